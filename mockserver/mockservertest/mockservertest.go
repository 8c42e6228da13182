// Package mockservertest starts taskmock's mock of the two task APIs for Go
// tests, the way net/http/httptest starts a handler: NewServer returns a
// running server on a loopback port, closed when the test ends.
package mockservertest

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/taskmock/taskmock/mockserver"
)

// Server is a running mock: the embedded httptest.Server gives its URL
// (such as http://127.0.0.1:54321), Client and Close, and the methods give
// the URLs of the two APIs.
type Server struct {
	*httptest.Server
}

// NewServer starts a mock built with opts and registers its Close with
// tb.Cleanup, so it stops, after its in-flight requests, when the test and
// its subtests end. Invalid options fail the test.
func NewServer(tb testing.TB, opts ...mockserver.Option) *Server {
	tb.Helper()
	h, err := mockserver.New(opts...)
	if err != nil {
		tb.Fatalf("mockservertest: %v", err)
	}
	s := &Server{Server: httptest.NewServer(h)}
	tb.Cleanup(s.Close)
	return s
}

// EsriURL returns the getTask URL of a task in JSON (f=json).
func (s *Server) EsriURL(taskGroupJobID, taskOperationID string) string {
	q := url.Values{"f": {"json"}, "taskGroupJobId": {taskGroupJobID}, "taskOperationId": {taskOperationID}}
	return s.URL + mockserver.EsriPath + "?" + q.Encode()
}

// OracleURL returns the URL of the Oracle task id.
func (s *Server) OracleURL(id string) string {
	return s.URL + mockserver.OraclePrefix + url.PathEscape(id)
}
