package check_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	"github.com/taskmock/taskmock/check"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/secrets"
)

// A live check of one Oracle task against a server whose answer has
// drifted from the contract: the result names the rule and the field.
func Example() {
	drifting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, _ := os.ReadFile("../contract/testdata/seeds/oracle-get-task-example.json")
		io.WriteString(w, strings.Replace(string(body), `"state": "COMPLETED"`, `"state": "DONE"`, 1))
	}))
	defer drifting.Close()

	red := &secrets.Set{}
	base, _ := url.Parse(drifting.URL)
	header := http.Header{"Authorization": {"Bearer s3cr3t-t0ken"}}
	c, err := check.New(check.Config{Secrets: red, Retries: 1})
	if err != nil {
		panic(err)
	}
	results := c.Run(context.Background(), []check.Target{check.OracleTarget(base, "1f15bc3a-5948-11ef-873e-0242ac15001b", false, header, red)})
	r := results[0]
	fmt.Println("status:", r.Report.Status, "attempts:", r.Live.Attempts, "passed:", r.Report.Passed(false))
	for _, v := range r.Report.Violations {
		fmt.Println(v.Severity, v.Location, v.Rule)
	}
	// Output:
	// status: 200 attempts: 1 passed: false
	// error /state schema-enum
}

// The results of a check render in any report format; the credentials of
// the requests stay out of it.
func Example_report() {
	answering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	defer answering.Close()

	red := &secrets.Set{}
	base, _ := url.Parse(answering.URL)
	c, _ := check.New(check.Config{Secrets: red})
	results := c.Run(context.Background(), []check.Target{check.OracleTarget(base, "404", false, http.Header{}, red)})
	for i := range results {
		results[i].Source = "GET /process/api/v1/tasks/404" // the server's port changes from run to run
		results[i].Live.Latency = 0
	}
	out, _ := report.Render(report.FormatText, results, report.Options{})
	fmt.Print(string(out))
	// Output:
	// GET /process/api/v1/tasks/404: 404 Not Found in 0s
	// GET /process/api/v1/tasks/404: error status error-response: expected a task, found an error: the server answered 404 Not Found
	// checked 1 response: 0 passed, 1 failed (1 error, 0 warnings)
}
