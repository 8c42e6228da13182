package mockserver_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// The ids of the vendors' reference pages.
const (
	groupID = mockserver.ExampleTaskGroupJobID
	opID    = mockserver.ExampleTaskOperationID
	taskID  = mockserver.ExampleOracleTaskID
)

// anchor is the clock of the servers under test.
var anchor = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	validatorOnce sync.Once
	validator     *contract.Validator
	validatorErr  error
)

// newValidator returns the contract validator, built once for all tests.
func newValidator(t testing.TB) *contract.Validator {
	t.Helper()
	validatorOnce.Do(func() { validator, validatorErr = contract.New() })
	require.NoError(t, validatorErr)
	return validator
}

// newServer returns a mock with a fixed clock and opts.
func newServer(t testing.TB, opts ...mockserver.Option) *mockserver.Server {
	t.Helper()
	s, err := mockserver.New(append([]mockserver.Option{mockserver.WithClock(func() time.Time { return anchor })}, opts...)...)
	require.NoError(t, err)
	return s
}

// esriURL returns the getTask URL with query q.
func esriURL(q url.Values) string {
	return "http://mock.test" + mockserver.EsriPath + "?" + q.Encode()
}

// esriQuery returns the query of a getTask request for the example's ids
// with format f and the extra name=value pairs kv.
func esriQuery(f string, kv ...string) url.Values {
	q := url.Values{"taskGroupJobId": {groupID}, "taskOperationId": {opID}}
	if f != "" {
		q.Set("f", f)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// oracleURL returns the URL of Oracle task id with query q.
func oracleURL(id string, q url.Values) string {
	u := "http://mock.test" + mockserver.OraclePrefix + id
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// answer is one response of the mock, with its request.
type answer struct {
	req    *http.Request
	form   url.Values
	status int
	header http.Header
	body   []byte
}

func (a answer) text() string { return string(a.body) }

// do sends req to h and records the answer.
func do(t testing.TB, h http.Handler, req *http.Request) answer {
	t.Helper()
	var form url.Values
	if req.Body != nil && req.Method == http.MethodPost &&
		strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		form, _ = url.ParseQuery(string(b))
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return answer{req: req, form: form, status: res.StatusCode, header: res.Header, body: body}
}

// loopbackAddr is the remote address of the tests' requests: a client on
// the same machine, as the admin API requires.
const loopbackAddr = "127.0.0.1:49152"

// adminURL is the root of the admin API as a tool of this machine calls
// it: the Host is a loopback address, as the admin API requires.
const adminURL = "http://127.0.0.1:4010" + mockserver.AdminPrefix

// sendAdmin sends an admin request as a tool of this machine does: from
// loopbackAddr, to a loopback Host, with the header that a request which
// changes the tasks needs.
func sendAdmin(t testing.TB, h http.Handler, method, target, body string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.RemoteAddr = loopbackAddr
	req.Header.Set(mockserver.AdminHeader, "1")
	return do(t, h, req)
}

// get sends a GET of target, from loopbackAddr, with headers given as
// name, value pairs.
func get(t testing.TB, h http.Handler, target string, headers ...string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = loopbackAddr
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return do(t, h, req)
}

// check validates the answer under the contract of api and returns the
// rules of its violations.
func check(t testing.TB, api specs.Name, a answer) []contract.Rule {
	t.Helper()
	rep := newValidator(t).Validate(contract.Exchange{
		API:     api,
		Request: &contract.Request{Method: a.req.Method, URL: a.req.URL.String(), Header: a.req.Header, Form: a.form},
		Status:  a.status,
		Header:  a.header,
		Body:    a.body,
	})
	rules := []contract.Rule{}
	for _, v := range rep.Violations {
		rules = append(rules, v.Rule)
	}
	return rules
}

// requireValid asserts that the answer has no violation at all.
func requireValid(t testing.TB, api specs.Name, a answer) {
	t.Helper()
	require.Empty(t, check(t, api, a), "violations of %s %s: %s", a.req.Method, a.req.URL, a.text())
}

// requireVendorError asserts that the answer is a deliberate vendor error:
// error-response is its only violation.
func requireVendorError(t testing.TB, api specs.Name, a answer) {
	t.Helper()
	require.Equal(t, []contract.Rule{contract.RuleErrorResponse}, check(t, api, a), "%s %s: %s", a.req.Method, a.req.URL, a.text())
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
