package contracttest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/taskmock/taskmock/contract/contracttest"
	"github.com/taskmock/taskmock/mockserver"
)

// printTB stands for the *testing.T of a real test: it prints what the
// test would report, without the request's URL (its port changes).
type printTB struct{ testing.TB }

func (printTB) Helper() {}

func (printTB) Errorf(format string, args ...any) {
	fmt.Println("FAIL:", withoutURL(fmt.Sprintf(format, args...)))
}

func (printTB) Logf(format string, args ...any) {
	fmt.Println("log:", withoutURL(fmt.Sprintf(format, args...)))
}

func withoutURL(s string) string {
	_, rest, _ := strings.Cut(s, ": ")
	return rest
}

// A test wraps its client's transport: every answer of the two task APIs
// the client receives is checked under the contract.
func ExampleNewTransport() {
	mock, _ := mockserver.New(mockserver.WithClock(func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }))
	srv := httptest.NewServer(mock)
	defer srv.Close()

	var t testing.TB = printTB{} // in a test: t *testing.T
	client := &http.Client{Transport: contracttest.NewTransport(t, nil)}
	res, err := client.Get(srv.URL + "/process/api/v1/tasks/42")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	fmt.Println(res.StatusCode, "and no report: the mock keeps the contract")
	// Output:
	// 200 and no report: the mock keeps the contract
}

// A test checks one response it got some other way.
func ExampleAssertResponse() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"42","title":"Approve","state":"DONE"}`)
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/process/api/v1/tasks/42")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	rep := contracttest.AssertResponse(printTB{}, res)
	fmt.Println("passed:", rep.Passed(false))
	// Output:
	// FAIL: error schema-enum /state: expected one of "ASSIGNED", "UNASSIGNED", "WITHDRAWN", "COMPLETED", "DELEGATED", "FAULTED", found string "DONE"
	// passed: false
}
