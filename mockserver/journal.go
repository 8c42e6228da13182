package mockserver

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// The request journal's bounds.
const (
	// DefaultJournalSize is the number of exchanges the journal keeps
	// when New is given no WithJournal.
	DefaultJournalSize = 1000
	// JournalBodyLimit is the most bytes of a body the journal keeps: a
	// request body over it is recorded as its size only, a response body
	// is cut to it.
	JournalBodyLimit = 64 << 10
	// JournalMaxBytes bounds the memory of the journal's entries (bodies,
	// headers, URLs and a fixed share per entry): beyond it the oldest
	// entries are dropped, whatever the number WithJournal allows.
	JournalMaxBytes = 8 << 20
	// JournalPath lists (GET) and clears (DELETE) the journal.
	JournalPath = AdminPrefix + "requests"
)

// journalEntryCost is the bytes counted for an entry besides its bodies,
// headers and URL: the structure and the strings of its fields.
const journalEntryCost = 512

// journalSlack is how many bytes of a response body beyond
// JournalBodyLimit are kept until it is redacted, so that a credential cut
// by the limit is still recognised (see secrets.MinPartial) before the body
// is cut.
const journalSlack = 1 << 10

// Paging of GET JournalPath.
const (
	journalDefaultLimit = 100
	journalMaxLimit     = 1000
)

// WithJournal sets how many exchanges the request journal keeps, the most
// recent ones (DefaultJournalSize without this option); 0 turns the
// journal off, and a negative n is an error of New. Whatever n, the
// journal holds at most JournalMaxBytes bytes, the oldest entries dropped
// first. Requests under AdminPrefix (the admin API, the health check, the
// journal itself) are not journaled.
//
// Each entry holds the time, method, path and query, the request headers,
// the response chosen (as the log names it), the status, the latency, the
// response headers, the task's identity (API and id), the violations of
// WithSelfCheck, and the bodies: a request body of at most
// JournalBodyLimit bytes (a larger one is recorded as its size only) and
// the first JournalBodyLimit bytes of the response body. Credentials are
// redacted as package secrets hides them: the values of the credential
// headers and parameters, and anything of them echoed in a path, a query,
// a body or a message, in any encoding.
//
// Read the journal with Server.Journal, or, with the protections of the
// admin API (a loopback client, a loopback Host, no CORS grant), over
// HTTP:
//
//	GET    /__taskmock/requests   newest first, as JSON (see JournalPage);
//	                              parameters method, path (a prefix),
//	                              status (404 or 4xx), since (RFC 3339),
//	                              limit (1 to 1000, default 100), after and
//	                              before (sequence numbers)
//	DELETE /__taskmock/requests   empty the journal (needs the header
//	                              Taskmock-Admin: 1)
//
// With the journal off, both answer 404.
//
// An exchange is journaled when its handler returns, after its answer is
// written: a client that has read a large answer (more than the server's
// buffers, about 4 KiB) may list the journal a moment before its entry is
// there. mockservertest's Requests and Count wait for it.
func WithJournal(n int) Option {
	return func(s *Server) {
		if n < 0 {
			s.optErrs = append(s.optErrs, fmt.Errorf("WithJournal: the number of exchanges must be 0 (off) or more, got %d", n))
			return
		}
		s.journalSize = n
	}
}

// JournalEntry is one exchange of the journal, its credentials redacted.
type JournalEntry struct {
	// Seq numbers the exchanges of a Server from 1, in the order they
	// were answered; it is never reused, not even after Clear.
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"` // when the request came in
	// Method, Path and Query are those of the request: Path unescaped, as
	// the mock routed it, Query raw.
	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"query,omitempty"`
	// API and TaskID name the task the request is about: "esri" and the
	// taskOperationId (or the taskGroupJobId of a request without one),
	// "oracle" and the task's id; empty when the request names none.
	API    specs.Name `json:"api,omitempty"`
	TaskID string     `json:"taskId,omitempty"`
	// Response is the answer chosen, as the request log names it, such as
	// "oracle.generated" or "esri.error.404".
	Response string        `json:"response"`
	Status   int           `json:"status"`
	Latency  time.Duration `json:"latencyNs"`
	// Violations are those WithSelfCheck found in the answer.
	Violations     []JournalViolation `json:"violations,omitempty"`
	RequestHeader  http.Header        `json:"requestHeader,omitempty"`
	RequestBody    JournalBody        `json:"requestBody"`
	ResponseHeader http.Header        `json:"responseHeader,omitempty"`
	ResponseBody   JournalBody        `json:"responseBody"`
}

// JournalBody is a body as the journal keeps it.
type JournalBody struct {
	// Size is the body's length in bytes: as sent, or as much as the mock
	// read of a request body it refused.
	Size int64 `json:"size"`
	// Text is the body, when it is UTF-8; Base64 holds it otherwise.
	Text   string `json:"text,omitempty"`
	Base64 string `json:"base64,omitempty"`
	// Truncated tells that Text (or Base64) holds the first
	// JournalBodyLimit bytes only.
	Truncated bool `json:"truncated,omitempty"`
	// Omitted says why a body of Size bytes is not kept.
	Omitted string `json:"omitted,omitempty"`
}

// Bytes returns the body as kept: Text, or Base64 decoded.
func (b JournalBody) Bytes() []byte {
	if b.Base64 != "" {
		out, _ := base64.StdEncoding.DecodeString(b.Base64)
		return out
	}
	return []byte(b.Text)
}

// JournalViolation is a violation WithSelfCheck found in an answer.
type JournalViolation struct {
	Severity contract.Severity `json:"severity"`
	Rule     contract.Rule     `json:"rule"`
	Location string            `json:"location"`
	Message  string            `json:"message"`
}

// JournalFilter selects entries of the journal; its zero value selects
// them all.
type JournalFilter struct {
	Method string // the method, in any letter case; "" for any
	// PathPrefix keeps the entries whose path starts with it.
	PathPrefix string
	// Status keeps one status (404), or with StatusClass one class: 4
	// keeps 400 to 499.
	Status      int
	StatusClass int
	Since       time.Time // entries at or after it; zero for any
	After       uint64    // entries whose Seq is greater
	Before      uint64    // entries whose Seq is smaller; 0 for any
	// Limit is the most entries returned, the newest ones; 0 or less for
	// no limit.
	Limit int
}

// JournalPage is a list of entries, newest first, and the state of the
// journal: the JSON of GET /__taskmock/requests.
type JournalPage struct {
	Requests []JournalEntry `json:"requests"`
	// More tells that older entries matched beyond the limit: ask again
	// with Before set to NextBefore.
	More       bool   `json:"more"`
	NextBefore uint64 `json:"nextBefore,omitempty"`
	// Latest is the Seq of the last exchange recorded (0 for none yet):
	// poll with After set to it for the newer ones.
	Latest uint64 `json:"latest"`
	// Size is the most entries the journal keeps, Held how many it holds,
	// Dropped how many the bounds pushed out since the server started.
	Size    int    `json:"size"`
	Held    int    `json:"held"`
	Dropped uint64 `json:"dropped"`
}

// Journal is a Server's request journal: a bounded ring of the latest
// exchanges, safe for concurrent use. A nil *Journal is a journal that is
// off: it lists nothing.
type Journal struct {
	esriPath string

	mu       sync.Mutex
	buf      []*journalRecord // a ring: buf[start] is the oldest of n
	start, n int
	max      int // entries
	bytes    int // counted bytes of the entries held
	maxBytes int
	seq      uint64
	dropped  uint64
	changed  chan struct{} // closed by the next change; nil until asked for
}

func newJournal(size, maxBytes int, esriPath string) *Journal {
	return &Journal{max: size, maxBytes: maxBytes, esriPath: esriPath}
}

// Journal returns the server's request journal, nil when WithJournal(0)
// turned it off.
func (s *Server) Journal() *Journal { return s.journal }

// journalRecord is an exchange as recorded, before its credentials are
// redacted: redaction costs more than the request, so it is done once, the
// first time the entry is read.
type journalRecord struct {
	seq   uint64
	cost  int
	once  sync.Once
	raw   journalRaw    // zero once entry is made
	entry *JournalEntry // made on first read
}

// journalRaw is what an exchange leaves for its entry.
type journalRaw struct {
	time          time.Time
	method        string
	path, rawPath string
	rawQuery      string
	reqHeader     http.Header
	form          url.Values
	response      string
	status        int
	latency       time.Duration
	violations    []contract.Violation
	reqBody       []byte
	reqSize       int64
	reqOmitted    string
	respHeader    http.Header
	respBody      []byte
	respSize      int64
}

// record adds an exchange, dropping the oldest entries beyond the bounds.
func (j *Journal) record(raw journalRaw) {
	cost := journalEntryCost + len(raw.path) + len(raw.rawQuery) + len(raw.reqBody) + len(raw.respBody) +
		headerCost(raw.reqHeader) + headerCost(raw.respHeader)
	rec := &journalRecord{raw: raw, cost: cost}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	rec.seq = j.seq
	if cost > j.maxBytes {
		// Not kept, but counted, and the others kept: its Seq is
		// skipped.
		j.dropped++
		j.notify()
		return
	}
	for j.n > 0 && (j.n >= j.max || j.bytes+cost > j.maxBytes) {
		j.dropOldest()
		j.dropped++
	}
	switch {
	case j.n < len(j.buf):
		j.buf[(j.start+j.n)%len(j.buf)] = rec
	case j.start == 0:
		if len(j.buf) == cap(j.buf) {
			// Grown by hand, to at most j.max.
			buf := make([]*journalRecord, len(j.buf), min(max(2*len(j.buf), 16), j.max))
			copy(buf, j.buf)
			j.buf = buf
		}
		j.buf = append(j.buf, rec)
	default:
		// Full below j.max after drops by size: straighten the ring and
		// let it grow.
		buf := make([]*journalRecord, j.n, min(2*j.n+1, j.max))
		for i := range j.n {
			buf[i] = j.buf[(j.start+i)%len(j.buf)]
		}
		j.buf, j.start = append(buf, rec), 0
	}
	j.n++
	j.bytes += cost
	j.notify()
}

func (j *Journal) dropOldest() {
	j.bytes -= j.buf[j.start].cost
	j.buf[j.start] = nil
	j.start = (j.start + 1) % len(j.buf)
	j.n--
}

// notify wakes whoever waits on Changed; j.mu is held.
func (j *Journal) notify() {
	if j.changed != nil {
		close(j.changed)
		j.changed = nil
	}
}

func headerCost(h http.Header) int {
	n := 0
	for k, vs := range h {
		n += len(k)
		for _, v := range vs {
			n += len(v) + 8
		}
	}
	return n
}

// Changed returns a channel closed when an exchange is recorded or the
// journal is cleared, after the call: a reader that has listed the
// journal waits on it, then lists the entries After the Latest it saw.
// It returns nil (a channel that is never closed) for a nil Journal.
func (j *Journal) Changed() <-chan struct{} {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.changed == nil {
		j.changed = make(chan struct{})
	}
	return j.changed
}

// Latest returns the Seq of the last exchange recorded, 0 for none.
func (j *Journal) Latest() uint64 {
	if j == nil {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// Clear empties the journal. Sequence numbers go on from where they were.
func (j *Journal) Clear() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf, j.start, j.n, j.bytes = nil, 0, 0, 0
	j.notify()
}

// List returns the entries f selects, newest first, redacted.
func (j *Journal) List(f JournalFilter) JournalPage {
	if j == nil {
		return JournalPage{Requests: []JournalEntry{}}
	}
	j.mu.Lock()
	recs := make([]*journalRecord, 0, j.n)
	for i := j.n - 1; i >= 0; i-- {
		rec := j.buf[(j.start+i)%len(j.buf)]
		if rec.seq <= f.After {
			break
		}
		if f.Before == 0 || rec.seq < f.Before {
			recs = append(recs, rec)
		}
	}
	page := JournalPage{Latest: j.seq, Size: j.max, Held: j.n, Dropped: j.dropped}
	j.mu.Unlock()

	page.Requests = []JournalEntry{}
	method := strings.ToUpper(f.Method)
	for _, rec := range recs {
		e := j.entry(rec)
		switch {
		case method != "" && e.Method != method,
			!strings.HasPrefix(e.Path, f.PathPrefix),
			f.Status != 0 && e.Status != f.Status,
			f.StatusClass != 0 && e.Status/100 != f.StatusClass,
			!f.Since.IsZero() && e.Time.Before(f.Since):
			continue
		}
		if f.Limit > 0 && len(page.Requests) == f.Limit {
			page.More = true
			page.NextBefore = page.Requests[len(page.Requests)-1].Seq
			break
		}
		page.Requests = append(page.Requests, e)
	}
	return page
}

// entry returns the redacted entry of rec, made on first use.
func (j *Journal) entry(rec *journalRecord) JournalEntry {
	rec.once.Do(func() {
		e := j.redact(rec.seq, &rec.raw)
		rec.entry, rec.raw = &e, journalRaw{}
	})
	e := *rec.entry
	// The caller gets its own slices and maps.
	e.Violations = append([]JournalViolation(nil), e.Violations...)
	e.RequestHeader = e.RequestHeader.Clone()
	e.ResponseHeader = e.ResponseHeader.Clone()
	return e
}

// redact makes the entry of an exchange, its credentials hidden.
func (j *Journal) redact(seq uint64, raw *journalRaw) JournalEntry {
	target := raw.rawPath
	if raw.rawQuery != "" {
		target += "?" + raw.rawQuery
	}
	red := secrets.Union(secrets.CollectRequest(target, raw.reqHeader, raw.form, raw.reqHeader.Get("Content-Type"), raw.reqBody),
		secrets.Collect("", raw.respHeader, nil))
	api, id := j.identity(raw)
	e := JournalEntry{
		Seq:            seq,
		Time:           raw.time,
		Method:         raw.method,
		Path:           red.Redact(raw.path),
		Query:          red.RedactQuery(raw.rawQuery),
		API:            api,
		TaskID:         red.Redact(id),
		Response:       raw.response,
		Status:         raw.status,
		Latency:        raw.latency,
		RequestHeader:  red.RedactHeader(raw.reqHeader),
		ResponseHeader: red.RedactHeader(raw.respHeader),
		RequestBody:    journalBody(red, raw.reqBody, raw.reqSize, raw.reqOmitted, false),
		ResponseBody:   journalBody(red, raw.respBody, raw.respSize, "", false),
	}
	for _, v := range raw.violations {
		e.Violations = append(e.Violations, JournalViolation{Severity: v.Severity, Rule: v.Rule, Location: red.Redact(v.Location), Message: red.Redact(v.Message)})
	}
	return e
}

// journalBody keeps a body: redacted, then cut to JournalBodyLimit at a
// character's start.
func journalBody(red *secrets.Set, b []byte, size int64, omitted string, cut bool) JournalBody {
	out := JournalBody{Size: size, Omitted: omitted}
	if omitted != "" || len(b) == 0 {
		return out
	}
	b = red.RedactBytes(b)
	if len(b) > JournalBodyLimit {
		n := JournalBodyLimit
		for n > JournalBodyLimit-utf8.UTFMax && !utf8.RuneStart(b[n]) {
			n--
		}
		b, cut = b[:n], true
	}
	out.Truncated = cut
	if utf8.Valid(b) {
		out.Text = string(b)
	} else {
		out.Base64 = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

// identity returns the API and the task a request is about.
func (j *Journal) identity(raw *journalRaw) (specs.Name, string) {
	path := raw.path
	switch {
	case strings.HasSuffix(path, j.esriPath), isEsriServerPath(path):
		q, _ := url.ParseQuery(raw.rawQuery)
		for k, vs := range raw.form {
			q[k] = vs
		}
		for _, name := range []string{"taskOperationId", "taskGroupJobId", "taskGroupId"} {
			if id := q.Get(name); id != "" {
				return specs.Esri, id
			}
		}
		return specs.Esri, ""
	case strings.HasPrefix(path, oracleAPIPrefix) || path+"/" == oracleAPIPrefix:
		rest, ok := strings.CutPrefix(raw.rawPath, OraclePrefix)
		if !ok {
			return specs.Oracle, ""
		}
		seg, _, _ := strings.Cut(rest, "/")
		if id, err := url.PathUnescape(seg); err == nil && id != "reassign" {
			return specs.Oracle, id
		}
		return specs.Oracle, ""
	}
	return "", ""
}

// bodyCapture keeps the bytes of a request body the handler reads, up to
// JournalBodyLimit, and counts them all.
type bodyCapture struct {
	io.ReadCloser
	buf  []byte
	n    int64
	over bool
}

func (c *bodyCapture) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if n > 0 {
		c.n += int64(n)
		switch {
		case c.over:
		case len(c.buf)+n > JournalBodyLimit:
			c.over, c.buf = true, nil
		default:
			c.buf = append(c.buf, p[:n]...)
		}
	}
	return n, err
}

// journalCapture readies a request and its recorder for the journal: the
// response body is kept up to JournalBodyLimit (and some slack, see
// journalSlack), the request body as the handler reads it.
func (s *Server) journalCapture(r *http.Request, rec *recorder) *bodyCapture {
	rec.keep = JournalBodyLimit + journalSlack
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	c := &bodyCapture{ReadCloser: r.Body}
	r.Body = c
	return c
}

// journalAdd records an answered request.
func (s *Server) journalAdd(r *http.Request, rec *recorder, body *bodyCapture, start time.Time, latency time.Duration, response string, violations []contract.Violation) {
	raw := journalRaw{
		time:     start,
		method:   r.Method,
		path:     r.URL.Path,
		rawPath:  r.URL.EscapedPath(),
		rawQuery: r.URL.RawQuery,
		// Copies: the caller of ServeHTTP owns the request once it
		// returns. The form is the mock's own, made by ParseForm.
		reqHeader:  r.Header.Clone(),
		form:       r.PostForm,
		response:   response,
		status:     rec.status,
		latency:    latency,
		violations: violations,
		respHeader: rec.Header().Clone(),
		respBody:   rec.kept,
		respSize:   rec.size,
	}
	if body != nil {
		raw.reqSize = max(body.n, r.ContentLength)
		switch {
		case body.over:
			raw.reqOmitted = fmt.Sprintf("over the journal's limit of %d bytes", JournalBodyLimit)
		case body.n < r.ContentLength:
			raw.reqOmitted = "not read whole by the mock"
		default:
			raw.reqBody = body.buf
		}
	} else if r.ContentLength > 0 {
		raw.reqSize = r.ContentLength
	}
	s.journal.record(raw)
}

// serveJournal answers JournalPath: GET lists, DELETE clears.
func (s *Server) serveJournal(w http.ResponseWriter, r *http.Request) string {
	if s.journal == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": "the request journal is off: start the mock with --journal N (WithJournal) for N greater than 0"})
		return "journal.404"
	}
	if refused, ok := guardAdmin(w, r, "the request journal", "the request journal"); !ok {
		return refused
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		f, err := journalQuery(r.URL.Query())
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad query", "detail": err.Error()})
			return "journal.400"
		}
		writeJSON(w, http.StatusOK, s.journal.List(f))
		return "journal.list"
	case http.MethodDelete:
		s.journal.Clear()
		w.WriteHeader(http.StatusNoContent)
		return "journal.clear"
	case http.MethodOptions:
		w.Header().Set("Allow", "GET, HEAD, DELETE, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return "journal.options"
	}
	return adminMethod(w, "GET, HEAD, DELETE, OPTIONS")
}

// journalQuery reads the filter of GET JournalPath; a parameter it does
// not know, or a bad value, is an error that names it.
func journalQuery(q url.Values) (JournalFilter, error) {
	f := JournalFilter{Limit: journalDefaultLimit}
	for name, vs := range q {
		if len(vs) > 1 {
			return f, fmt.Errorf("%s: given %d times; give it once", quoteValue(name), len(vs))
		}
		v := vs[0]
		switch name {
		case "method":
			f.Method = v
		case "path":
			f.PathPrefix = v
		case "status":
			if len(v) == 3 && v[0] >= '1' && v[0] <= '5' && strings.EqualFold(v[1:], "xx") {
				f.StatusClass = int(v[0] - '0')
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 100 || n > 599 {
				return f, fmt.Errorf("status: expected a status from 100 to 599 such as 404, or a class such as 4xx, found %s", quoteValue(v))
			}
			f.Status = n
		case "since":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return f, fmt.Errorf("since: expected an RFC 3339 time such as 2026-01-02T15:04:05Z, found %s", quoteValue(v))
			}
			f.Since = t
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > journalMaxLimit {
				return f, fmt.Errorf("limit: expected a number from 1 to %d, found %s", journalMaxLimit, quoteValue(v))
			}
			f.Limit = n
		case "after", "before":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || name == "before" && n == 0 {
				return f, fmt.Errorf("%s: expected a sequence number (the seq of an entry, 1 or more for before), found %s", name, quoteValue(v))
			}
			if name == "after" {
				f.After = n
			} else {
				f.Before = n
			}
		default:
			return f, fmt.Errorf("unknown parameter %s: expected method, path, status, since, limit, after or before", quoteValue(name))
		}
	}
	return f, nil
}
