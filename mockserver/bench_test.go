package mockserver_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/taskmock/taskmock/mockserver"
)

// discardWriter is the cheapest http.ResponseWriter: it keeps the status
// and the size of the body, so that a benchmark measures the handler only.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) { w.status = code }

func (w *discardWriter) Write(b []byte) (int, error) {
	w.n += len(b)
	return len(b), nil
}

// reset readies the writer for the next request.
func (w *discardWriter) reset() {
	clear(w.header)
	w.status, w.n = 0, 0
}

// BenchmarkHandler measures the whole handler path of each API, as
// bench/load.sh exercises it: a new task id on every request (cycling
// through 1024), generation, encoding and writing. Run with -cpu 1 for the
// one-core figure; requests/s = 1e9 / ns/op.
func BenchmarkHandler(b *testing.B) {
	s := newServer(b)
	const ids = 1024
	guid := func(i, salt int) string {
		return fmt.Sprintf("%08X-%04X-4%03X-A%03X-%012X", i*2654435761%(1<<32), salt, i%4096, (i*7)%4096, i*salt)
	}
	type request struct {
		method, target, body string
	}
	cases := []struct {
		name string
		make func(i int) request
	}{
		{"oracle", func(i int) request {
			return request{http.MethodGet, "http://127.0.0.1:4010" + mockserver.OraclePrefix + strings.ToLower(guid(i, 1)), ""}
		}},
		{"esri-get", func(i int) request {
			q := url.Values{"f": {"json"}, "taskGroupJobId": {guid(i, 2)}, "taskOperationId": {guid(i, 3)}}
			return request{http.MethodGet, "http://127.0.0.1:4010" + mockserver.EsriPath + "?" + q.Encode(), ""}
		}},
		{"esri-post", func(i int) request {
			q := url.Values{"f": {"json"}, "taskGroupJobId": {guid(i, 2)}, "taskOperationId": {guid(i, 3)}}
			return request{http.MethodPost, "http://127.0.0.1:4010" + mockserver.EsriPath, q.Encode()}
		}},
		{"esri-html", func(i int) request {
			q := url.Values{"taskGroupJobId": {guid(i, 2)}, "taskOperationId": {guid(i, 3)}}
			return request{http.MethodGet, "http://127.0.0.1:4010" + mockserver.EsriPath + "?" + q.Encode(), ""}
		}},
	}
	logged := newServer(b, mockserver.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	unjournaled := newServer(b, mockserver.WithJournal(0))
	type benchCase = struct {
		name string
		make func(i int) request
	}
	cases = append(cases, benchCase{"oracle-logged", cases[0].make},
		benchCase{"oracle-journal-off", cases[0].make}, benchCase{"esri-post-journal-off", cases[2].make})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := s // the journal on, by default
			switch c.name {
			case "oracle-logged":
				s = logged // as taskmock serve logs, to a discarding writer
			case "oracle-journal-off", "esri-post-journal-off":
				s = unjournaled
			}
			reqs := make([]request, ids)
			for i := range reqs {
				reqs[i] = c.make(i)
			}
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := reqs[i%ids]
				var req *http.Request
				if r.body != "" {
					req = httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				} else {
					req = httptest.NewRequest(r.method, r.target, nil)
				}
				w.reset()
				s.ServeHTTP(w, req)
				if w.status != http.StatusOK || w.n == 0 {
					b.Fatalf("%s %s: status %d, %d bytes", r.method, r.target, w.status, w.n)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
}
