package mockserver

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// Paths the mock answers or advertises.
const (
	// EsriPath is the getTask path the mock advertises, the reference page's
	// example with the service SampleService. Any path that ends in the
	// operation's suffix (/TopographicProductionServer/workflows/tasks/getTask)
	// is answered the same way, since deployments differ in their prefix.
	EsriPath = "/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask"
	// OraclePrefix is the path of an Oracle task without its id.
	OraclePrefix = "/process/api/v1/tasks/"
	// HealthPath answers {"status":"ok"} to GET, for any client and any
	// Host, with no CORS grant (see WithAdmin).
	HealthPath = "/__taskmock/health"
)

// The ids of the vendors' reference pages, for examples and printed URLs.
const (
	ExampleTaskGroupJobID  = "A031377A-E3C5-4C1A-A081-56285228A3A3"
	ExampleTaskOperationID = "F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"
	ExampleOracleTaskID    = "1f15bc3a-5948-11ef-873e-0242ac15001b"
)

// DefaultSeed is the seed of a Server built without WithSeed: the
// generator's default, so that the mock and "taskmock fixtures" agree.
const DefaultSeed uint64 = 1

// maxFormBytes limits the form-encoded body of an Esri POST.
const maxFormBytes = 1 << 20

//go:embed examples/*.json
var exampleFiles embed.FS

// Server is the mock of both task APIs, an http.Handler. Build one with
// New; it is safe for concurrent use. Its answers depend on the request
// alone, in any number and order, but for the chaos options (WithLatency,
// WithErrorRate, WithRateLimit), the admin API (WithAdmin) and the polls of
// Prefer: scenario=progress.
type Server struct {
	seed     uint64
	clock    func() time.Time
	log      *slog.Logger
	auth     authConfig
	cors     corsConfig
	optErrs  []error
	esriPath string // the operation's path suffix
	seeds    seedExamples
	gen      *fixtures.Generator
	chaos    chaos

	selfCheck   bool
	fixtureDirs []string
	store       *store
	world       *world
	limits      storeLimits
	admin       bool
	journalSize int
	journal     *Journal
	next        nextAnswers // the dashboard's one-shot answers
}

// Option configures a Server.
type Option func(*Server)

// WithSeed sets the seed of generated tasks (default DefaultSeed). Two
// servers with the same seed and clock answer the same bytes for the same
// request.
func WithSeed(seed uint64) Option { return func(s *Server) { s.seed = seed } }

// WithClock sets the generation anchor: the "now" of every task, read once
// per request. The default is the start of the current UTC day when New
// runs, so tasks stay the same across requests and restarts within a day;
// pass a function that returns a fixed time to pin them for good. New
// reads the clock once and fails when it is outside
// fixtures.EarliestClock..fixtures.LatestClock, where the tasks' dates
// would leave the years 0001 to 9999.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now == nil {
			s.optErrs = append(s.optErrs, errors.New("WithClock: nil clock"))
			return
		}
		s.clock = now
	}
}

// WithLogger makes the server log one line per request at level Info:
// method, path, status, the response chosen (such as "esri.task" or
// "oracle.404") and latency. Query strings, forms and headers are never
// logged, since they may hold tokens. By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) {
		if l != nil {
			s.log = l
		}
	}
}

// New returns a Server configured by opts, with the fixtures of
// WithFixtures loaded and validated. An error means an option is invalid
// (such as a malformed CORS origin), or a fixture file is: then it joins
// one error per file, each naming the file and its violations.
func New(opts ...Option) (*Server, error) {
	api, err := specs.Get(string(specs.Esri))
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	s := &Server{
		seed:        DefaultSeed,
		log:         slog.New(slog.DiscardHandler),
		esriPath:    api.OperationPath,
		cors:        corsConfig{any: true},
		journalSize: DefaultJournalSize,
	}
	for _, o := range opts {
		o(s)
	}
	if s.clock == nil {
		day := time.Now().UTC().Truncate(24 * time.Hour)
		s.clock = func() time.Time { return day }
	}
	if err := fixtures.CheckClock(s.clock()); err != nil {
		s.optErrs = append(s.optErrs, fmt.Errorf("WithClock: %w", err))
	}
	if err := s.cors.compile(); err != nil {
		s.optErrs = append(s.optErrs, err)
	}
	if len(s.optErrs) > 0 {
		return nil, fmt.Errorf("mockserver: %w", errors.Join(s.optErrs...))
	}
	if s.seeds, err = loadSeeds(); err != nil {
		return nil, fmt.Errorf("mockserver: embedded examples: %w", err)
	}
	s.gen = fixtures.New(fixtures.WithSeed(s.seed), fixtures.WithClock(s.clock))
	s.chaos.init(s.seed)
	s.store = newStore(s.limits)
	s.world = newWorld(s.clock())
	if s.journalSize > 0 {
		s.journal = newJournal(s.journalSize, JournalMaxBytes, s.esriPath)
	}
	// Compiling the schemas takes longer than the rest of start-up: the
	// fixtures need it now, the admin API and the self-check on first use.
	if len(s.fixtureDirs) > 0 {
		if _, err := contractValidator(); err != nil {
			return nil, fmt.Errorf("mockserver: validator: %w", err)
		}
	}
	if err := s.loadFixtures(); err != nil {
		return nil, err
	}
	return s, nil
}

// contractValidator returns the validator of the fixtures, the admin API's
// PUTs and the self-check, built on first use and shared by every Server
// (a contract.Validator is safe for concurrent use and never changes).
var contractValidator = sync.OnceValues(func() (*contract.Validator, error) { return contract.New() })

// ServeHTTP answers one request of either API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	if s.selfCheck {
		rec.body = &bytes.Buffer{}
	}
	// Nothing under AdminPrefix is journaled: the journal's own readers,
	// the admin API and the health probes would push the APIs' exchanges
	// out.
	journaled := s.journal != nil && !strings.HasPrefix(r.URL.Path, AdminPrefix)
	var reqBody *bodyCapture
	if journaled {
		reqBody = s.journalCapture(r, rec)
	}
	response := s.route(rec, r)
	var violations []contract.Violation
	if s.selfCheck {
		violations = s.check(r.Context(), r, rec, response)
	}
	latency := time.Since(start)
	if journaled {
		s.journalAdd(r, rec, reqBody, start, latency, response, violations)
	}
	attrs := [...]slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", loggedPath(r)),
		slog.Int("status", rec.status),
		slog.String("response", response),
		slog.Duration("latency", latency),
		{},
	}
	level, n := slog.LevelInfo, len(attrs)-1
	if rec.err != nil {
		// The status line may have gone out, the body did not: say so
		// rather than log a plain 200.
		level, n = slog.LevelWarn, len(attrs)
		attrs[n-1] = slog.String("error", "the answer was cut: "+rec.err.Error())
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs[:n]...)
}

// loggedPath is the path of r as the log writes it: a credential the
// request carries (a token that is also an id of the path, say) hidden.
func loggedPath(r *http.Request) string {
	target := r.URL.Path
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	if set := secrets.Collect(target, r.Header, r.PostForm); set != nil {
		return set.Redact(r.URL.Path)
	}
	return r.URL.Path
}

// route dispatches the request and returns the name of the response it
// chose, for the log.
func (s *Server) route(w http.ResponseWriter, r *http.Request) string {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, AdminPrefix):
		return s.serveInternal(w, r)
	case strings.HasSuffix(path, s.esriPath):
		return s.serveEsri(w, r)
	case isEsriServerPath(path):
		return s.serveEsriOp(w, r) // the other operations (esri_ops.go)
	}
	if path == OraclePrefix+"reassign" {
		return s.serveOracleOther(w, r) // the bulk operation, not a task
	}
	if id, ok := oracleID(r.URL); ok {
		return s.serveOracle(w, r, id)
	}
	if strings.HasPrefix(path, oracleAPIPrefix) || path+"/" == oracleAPIPrefix {
		return s.serveOracleOther(w, r)
	}
	s.cors.headers(w.Header(), r)
	writeJSON(w, http.StatusNotFound, map[string]string{
		"error":  "no route",
		"detail": "taskmock answers getTask at any path ending in " + s.esriPath + ", " + OraclePrefix + "{id} and " + HealthPath,
	})
	return "route.404"
}

// oracleID returns the {id} of an Oracle task path: one non-empty segment
// after OraclePrefix.
func oracleID(u *url.URL) (string, bool) {
	rest, ok := strings.CutPrefix(u.EscapedPath(), OraclePrefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	if err != nil || id == "" {
		return "", false
	}
	return id, true
}

// serveHealth answers the health check, to any client and any Host, with
// no CORS grant.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) string {
	if isPreflight(r) {
		return refuseCORS(w)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		return "health.405"
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return "health"
}

// writeBody writes a complete response.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	// The keys are canonical already and the constant values are shared:
	// net/http copies the values when it writes the header, and their
	// capacity is their length, so that an Add elsewhere never writes into
	// a shared array.
	switch contentType {
	case contentTypeJSON:
		h["Content-Type"] = headerJSON
	case contentTypeJS:
		h["Content-Type"] = headerJS
	case contentTypeHTML:
		h["Content-Type"] = headerHTML
	default:
		h["Content-Type"] = []string{contentType}
	}
	h["X-Content-Type-Options"] = headerNosniff
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Header values that writeBody shares between responses.
var (
	headerJSON    = []string{contentTypeJSON}[:1:1]
	headerJS      = []string{contentTypeJS}[:1:1]
	headerHTML    = []string{contentTypeHTML}[:1:1]
	headerNosniff = []string{"nosniff"}[:1:1]
)

// writeJSON writes v as compact JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := jsonMarshal(v, "")
	if err != nil {
		http.Error(w, "taskmock: cannot encode the response", http.StatusInternalServerError)
		return
	}
	writeBody(w, status, contentTypeJSON, b)
}

const (
	contentTypeJSON = "application/json; charset=utf-8"
	contentTypeJS   = "application/javascript; charset=utf-8"
	contentTypeHTML = "text/html; charset=utf-8"
)

// recorder remembers the status written and the first error of a write,
// for the log, with body a copy of the body, for the self-check, and with
// keep above 0 the first keep bytes of the body and its size, for the
// journal.
type recorder struct {
	http.ResponseWriter
	status int
	err    error
	body   *bytes.Buffer
	keep   int
	kept   []byte
	size   int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body != nil {
		r.body.Write(b)
	}
	if r.keep > 0 {
		r.size += int64(len(b))
		if n := min(len(b), r.keep-len(r.kept)); n > 0 {
			r.kept = append(r.kept, b[:n]...)
		}
	}
	n, err := r.ResponseWriter.Write(b)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
