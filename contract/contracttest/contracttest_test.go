package contracttest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/contract/contracttest"
	"github.com/taskmock/taskmock/mockserver"
)

// fakeTB records what a test would report.
type fakeTB struct {
	testing.TB
	errors, logs []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// drifting answers every Oracle task with a state the contract does not
// have and an undocumented property, and anything else with plain text.
func drifting(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/process/api/v1/tasks/") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"`+strings.TrimPrefix(r.URL.Path, "/process/api/v1/tasks/")+`","title":"t","state":"DONE","colour":"red"}`)
			return
		}
		_, _ = io.WriteString(w, "hello")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTransportFailsOnDrift(t *testing.T) {
	srv := drifting(t)
	tb := &fakeTB{}
	client := &http.Client{Transport: contracttest.NewTransport(tb, nil)}
	res, err := client.Get(srv.URL + "/process/api/v1/tasks/42?token=s3cretvalue")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"state":"DONE"`, "the body reaches the caller whole")
	require.NotEmpty(t, tb.errors, "a drifting server fails the test")
	assert.Contains(t, strings.Join(tb.errors, "\n"), "GET "+srv.URL+"/process/api/v1/tasks/42?token=REDACTED: error schema-enum /state: ")
	assert.NotContains(t, strings.Join(append(tb.errors, tb.logs...), "\n"), "s3cretvalue")
	assert.Contains(t, strings.Join(tb.logs, "\n"), "warning unknown-property /colour", "a warning is logged")

	// Other traffic passes untouched.
	before := len(tb.errors) + len(tb.logs)
	res, err = client.Get(srv.URL + "/hello")
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	assert.Equal(t, "hello", string(body))
	assert.Equal(t, before, len(tb.errors)+len(tb.logs))

	// Strict: the warning fails too.
	strict := &fakeTB{}
	client = &http.Client{Transport: contracttest.NewTransport(strict, nil, contract.Strict(true))}
	res, err = client.Get(srv.URL + "/process/api/v1/tasks/42")
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Contains(t, strings.Join(strict.errors, "\n"), "unknown-property /colour")
}

func TestTransportPassesTheMock(t *testing.T) {
	mock, err := mockserver.New(mockserver.WithClock(func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }))
	require.NoError(t, err)
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	tb := &fakeTB{}
	client := &http.Client{Transport: contracttest.NewTransport(tb, srv.Client().Transport)}
	for _, u := range []string{
		"/process/api/v1/tasks/42",
		"/arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/getTask?f=json&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C",
	} {
		res, err := client.Get(srv.URL + u)
		require.NoError(t, err)
		_ = res.Body.Close()
	}
	res, err := client.Post(srv.URL+"/arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/updateTask", "application/x-www-form-urlencoded",
		strings.NewReader("f=json&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C&status=1"))
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Empty(t, tb.errors)
	assert.Empty(t, tb.logs)
}

func TestAssertResponse(t *testing.T) {
	srv := drifting(t)
	res, err := http.Get(srv.URL + "/process/api/v1/tasks/7")
	require.NoError(t, err)
	tb := &fakeTB{}
	rep := contracttest.AssertResponse(tb, res)
	assert.False(t, rep.Passed(false))
	assert.NotEmpty(t, tb.errors)
	body, _ := io.ReadAll(res.Body)
	assert.Contains(t, string(body), `"id":"7"`, "the body is put back")
}

// TestTransportHidesBodyCredentials: a credential the request body holds
// (a JSON member named as one), echoed by the server, is never quoted in
// what the test reports.
func TestTransportHidesBodyCredentials(t *testing.T) {
	const token = "body-s3cret-0x1234"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"totalCount":1,"sucessCount":0,"failedCount":1,"items":[{"taskId":"T1","status":%q}]}`, b)
	}))
	t.Cleanup(srv.Close)
	tb := &fakeTB{}
	client := &http.Client{Transport: contracttest.NewTransport(tb, nil)}
	res, err := client.Post(srv.URL+"/process/api/v1/tasks/reassign", "application/json",
		strings.NewReader(`{"access_token":"`+token+`","taskIds":["T1"],"identities":[{"id":"G","type":"GROUP"}]}`))
	require.NoError(t, err)
	_ = res.Body.Close()
	out := strings.Join(append(tb.errors, tb.logs...), "\n")
	assert.Contains(t, out, "schema-enum /items/0/status")
	assert.NotContains(t, out, token[:12])
}
