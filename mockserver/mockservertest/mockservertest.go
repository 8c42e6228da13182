// Package mockservertest starts taskmock's mock of the two task APIs for Go
// tests, the way net/http/httptest starts a handler: NewServer returns a
// running server on a loopback port, closed when the test ends.
//
// The server's request journal (mockserver.WithJournal) tells a test what
// the code under test sent: Requests lists the exchanges, Count counts the
// requests to a path, such as the polls of a task.
package mockservertest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/taskmock/taskmock/mockserver"
)

// Server is a running mock: the embedded httptest.Server gives its URL
// (such as http://127.0.0.1:54321), Client and Close, and the methods give
// the URLs of the two APIs and the requests it answered.
type Server struct {
	*httptest.Server
	// Mock is the handler, for its journal and its options.
	Mock *mockserver.Server

	tb       testing.TB
	inFlight inFlight
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
	s := &Server{Mock: h, tb: tb}
	s.inFlight.cond.L = &s.inFlight.mu
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := s.inFlight.start()
		defer done()
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(s.Close)
	return s
}

// Requests returns the exchanges the server answered, oldest first, as
// its journal keeps them (credentials redacted, bodies bounded: see
// mockserver.WithJournal). It first waits for the requests already in
// flight, so that an answer the client has read is always listed.
//
// The journal keeps the last mockserver.DefaultJournalSize exchanges: a
// test that sends more starts its server with a larger
// mockserver.WithJournal. Requests fails the test when the journal is off
// or has dropped exchanges, since a count would then be wrong; call it
// from the test's goroutine.
func (s *Server) Requests() []mockserver.JournalEntry {
	s.tb.Helper()
	return s.RequestsMatching(mockserver.JournalFilter{})
}

// RequestsMatching returns the exchanges f selects (f.Limit ignored),
// oldest first, as Requests does.
func (s *Server) RequestsMatching(f mockserver.JournalFilter) []mockserver.JournalEntry {
	s.tb.Helper()
	j := s.Mock.Journal()
	if j == nil {
		s.tb.Fatalf("mockservertest: the request journal is off (mockserver.WithJournal(0)): there are no requests to list")
		return nil
	}
	s.inFlight.wait()
	f.Limit = 0
	page := j.List(f)
	if page.Dropped > 0 {
		s.tb.Fatalf("mockservertest: the request journal dropped %d exchanges, the oldest, beyond its %d: start the server with a larger mockserver.WithJournal", page.Dropped, page.Size)
		return nil
	}
	out := page.Requests
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out
}

// Count returns how many requests the server answered with method (in any
// letter case; "" for any) to path: the path exactly as the client sent
// it, unescaped, such as "/process/api/v1/tasks/42/reassign"; the query
// is ignored, so that the getTask polls of every task count together.
// Count fails the test as Requests does.
func (s *Server) Count(method, path string) int {
	s.tb.Helper()
	n := 0
	for _, e := range s.RequestsMatching(mockserver.JournalFilter{Method: method, PathPrefix: path}) {
		if e.Path == path {
			n++
		}
	}
	return n
}

// ClearRequests empties the journal, for a test that counts from a given
// point.
func (s *Server) ClearRequests() {
	s.inFlight.wait()
	s.Mock.Journal().Clear()
}

// inFlight numbers the requests as they come and tells when those that
// came before a point are answered and journaled.
type inFlight struct {
	mu     sync.Mutex
	cond   sync.Cond
	next   uint64
	active map[uint64]struct{}
}

// start numbers a request; the function it returns marks it done.
func (f *inFlight) start() func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	n := f.next
	if f.active == nil {
		f.active = map[uint64]struct{}{}
	}
	f.active[n] = struct{}{}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.active, n)
		f.cond.Broadcast()
	}
}

// wait waits for the requests that came before the call to be done.
func (f *inFlight) wait() {
	f.mu.Lock()
	defer f.mu.Unlock()
	last := f.next
	for f.before(last) {
		f.cond.Wait()
	}
}

func (f *inFlight) before(last uint64) bool {
	for n := range f.active {
		if n <= last {
			return true
		}
	}
	return false
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
