package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/specs"
)

// Redacted replaces every credential in a recording.
const Redacted = "REDACTED"

// HARName is the name of the HAR file a Recorder writes in its directory.
const HARName = "taskmock.har"

// Recorder writes the exchanges of the two operations to a directory: all
// of them to one HAR 1.2 file, HARName, and each task body that conforms
// to the contract as a fixture file, esri-TASKOPERATIONID.json or
// oracle-ID.json (named by fixtures.FileName), that "taskmock serve
// --fixtures DIR" loads (the last body of a task wins).
//
// The HAR file is appended to, one entry per exchange, by one write that
// costs the same whatever the file's length; a recording found in the
// directory is continued, never truncated. The file is a complete HAR
// after every exchange, and after a failed write (a full disk), which is
// cut back at once; a crash (even SIGKILL) in the middle of a write can
// leave that one entry half written, and the next NewRecorder removes it.
// Either way every exchange recorded before is kept. Only one Recorder,
// in any process, records into a directory at a time.
//
// Credentials are
// redacted: the Authorization, X-Esri-Authorization, Proxy-Authorization
// and Cookie request headers, the Set-Cookie response header, the token
// parameter of the query and of a form body, and any of their values
// found in a body. Build one with NewRecorder; it is safe for concurrent
// use.
type Recorder struct {
	dir    string
	anon   *anonymizer
	notice string

	mu  sync.Mutex
	har *harFile // nil once closed
	n   int      // entries written by this Recorder
	err error
}

// RecordOption configures a Recorder.
type RecordOption func(*Recorder)

// Anonymize replaces personal names, user ids and e-mail addresses in the
// recorded bodies, consistently: the same real value maps to the same fake
// one within the recording, and a task stays valid.
func Anonymize() RecordOption { return func(r *Recorder) { r.anon = newAnonymizer() } }

// NewRecorder returns a Recorder writing into dir, which it creates. When
// dir holds a recording, the Recorder appends to it (see Notice). It
// fails, leaving the file as it is, when dir/HARName is not a HAR written
// by a Recorder, or when another Recorder records into dir. Close it when
// done.
func NewRecorder(dir string, opts ...RecordOption) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("proxy: recording directory: %w", err)
	}
	har, notice, err := openHAR(filepath.Join(dir, HARName))
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	r := &Recorder{dir: dir, har: har, notice: notice}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// Notice returns what NewRecorder had to do to the recording it found, in
// one line: the end of an interrupted write it dropped, or the conversion
// of a file of an earlier version. It is "" when there was nothing to do.
func (r *Recorder) Notice() string { return r.notice }

// Len returns how many exchanges this Recorder has recorded (not counting
// those it found in the directory).
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Close flushes the HAR file to disk, closes it and lets another Recorder
// record into the directory. Exchanges that end after Close are not
// recorded, and Err says so.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.har == nil {
		return nil
	}
	err := r.har.close()
	r.har = nil
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	return nil
}

// Err returns the first error met while writing, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// The entries of the HAR 1.2 document
// (http://www.softwareishard.com/blog/har-12-spec/); harHead and harTail
// hold the rest.
type (
	harEntry struct {
		StartedDateTime string      `json:"startedDateTime"`
		Time            float64     `json:"time"`
		Request         harRequest  `json:"request"`
		Response        harResponse `json:"response"`
		Cache           struct{}    `json:"cache"`
		Timings         harTimings  `json:"timings"`
	}
	harRequest struct {
		Method      string         `json:"method"`
		URL         string         `json:"url"`
		HTTPVersion string         `json:"httpVersion"`
		Cookies     []harNameValue `json:"cookies"`
		Headers     []harNameValue `json:"headers"`
		QueryString []harNameValue `json:"queryString"`
		PostData    *harPostData   `json:"postData,omitempty"`
		HeadersSize int            `json:"headersSize"`
		BodySize    int            `json:"bodySize"`
	}
	harPostData struct {
		MimeType string         `json:"mimeType"`
		Params   []harNameValue `json:"params"`
		Text     string         `json:"text"`
	}
	harNameValue struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	harResponse struct {
		Status      int            `json:"status"`
		StatusText  string         `json:"statusText"`
		HTTPVersion string         `json:"httpVersion"`
		Cookies     []harNameValue `json:"cookies"`
		Headers     []harNameValue `json:"headers"`
		Content     harContent     `json:"content"`
		RedirectURL string         `json:"redirectURL"`
		HeadersSize int            `json:"headersSize"`
		BodySize    int            `json:"bodySize"`
	}
	harContent struct {
		Size     int    `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
	}
	harTimings struct {
		Send    float64 `json:"send"`
		Wait    float64 `json:"wait"`
		Receive float64 `json:"receive"`
	}
)

// secretHeaders are the request headers whose values are credentials.
var secretHeaders = []string{"Authorization", "X-Esri-Authorization", "Proxy-Authorization", "Cookie"}

// isTokenParam tells whether a query or form parameter is a credential.
func isTokenParam(name string) bool {
	switch strings.ToLower(name) {
	case "token", "access_token":
		return true
	}
	return false
}

// record adds one exchange; a write error is kept for Err.
func (r *Recorder) record(api specs.Name, out *http.Request, info *exchangeInfo, res *http.Response, body []byte, rep contract.Report) {
	secrets := collectSecrets(out, info.form)
	clean := func(s string) string {
		for _, v := range secrets {
			s = strings.ReplaceAll(s, v, Redacted)
		}
		return s
	}

	u := *out.URL
	q := u.Query()
	for k := range q {
		if isTokenParam(k) {
			q[k] = []string{Redacted}
		}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	u.User = nil
	req := harRequest{Method: out.Method, URL: clean(u.String()), HTTPVersion: "HTTP/1.1", Cookies: []harNameValue{},
		Headers: harHeaders(out.Header, secretHeaders, clean), QueryString: harValues(q, clean), HeadersSize: -1, BodySize: 0}
	if info.form != nil {
		f := url.Values{}
		for k, vs := range info.form {
			if isTokenParam(k) {
				vs = []string{Redacted}
			}
			f[k] = vs
		}
		text := f.Encode()
		req.PostData = &harPostData{MimeType: "application/x-www-form-urlencoded", Params: harValues(f, clean), Text: clean(text)}
		req.BodySize = len(text)
	}

	text := clean(string(body))
	if r.anon != nil {
		text = string(r.anon.body([]byte(text)))
	}
	resp := harResponse{Status: res.StatusCode, StatusText: http.StatusText(res.StatusCode), HTTPVersion: "HTTP/1.1",
		Cookies: []harNameValue{}, Headers: harHeaders(res.Header, []string{"Set-Cookie"}, clean),
		Content:     harContent{Size: len(text), MimeType: res.Header.Get("Content-Type"), Text: text},
		RedirectURL: clean(res.Header.Get("Location")), HeadersSize: -1, BodySize: len(text)}
	if resp.Content.MimeType == "" {
		resp.Content.MimeType = "application/octet-stream"
	}
	elapsed := float64(time.Since(info.start).Microseconds()) / 1000
	entry := harEntry{StartedDateTime: info.start.UTC().Format(time.RFC3339Nano), Time: elapsed, Request: req, Response: resp,
		Timings: harTimings{Send: 0, Wait: elapsed, Receive: 0}}

	line, err := json.Marshal(entry)

	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
	case r.har == nil:
		err = errors.New("proxy: an exchange ended after the recorder was closed")
	default:
		if err = r.har.add(line); err == nil {
			r.n++
		}
	}
	if err != nil && r.err == nil {
		r.err = err
	}
	if res.StatusCode == http.StatusOK && rep.Errors() == 0 {
		if err := r.writeFixture(api, []byte(text)); err != nil && r.err == nil {
			r.err = err
		}
	}
}

// collectSecrets returns the credentials of a request, longest first.
func collectSecrets(out *http.Request, form url.Values) []string {
	var s []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) >= 3 && !slices.Contains(s, v) {
			s = append(s, v, url.QueryEscape(v))
		}
	}
	for _, h := range secretHeaders {
		for _, v := range out.Header.Values(h) {
			add(v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				add(cred)
			}
			if h == "Cookie" {
				for _, c := range out.Cookies() {
					add(c.Value)
				}
			}
		}
	}
	for k, vs := range out.URL.Query() {
		if isTokenParam(k) {
			for _, v := range vs {
				add(v)
			}
		}
	}
	for k, vs := range form {
		if isTokenParam(k) {
			for _, v := range vs {
				add(v)
			}
		}
	}
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}

func harHeaders(h http.Header, secret []string, clean func(string) string) []harNameValue {
	out := []harNameValue{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			if slices.ContainsFunc(secret, func(s string) bool { return strings.EqualFold(s, k) }) {
				v = Redacted
			}
			out = append(out, harNameValue{Name: k, Value: clean(v)})
		}
	}
	return out
}

func harValues(q url.Values, clean func(string) string) []harNameValue {
	out := []harNameValue{}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			out = append(out, harNameValue{Name: k, Value: clean(v)})
		}
	}
	return out
}

// writeFixture writes a task body as a fixture file, when it is a JSON
// object with the task's id.
func (r *Recorder) writeFixture(api specs.Name, body []byte) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return nil
	}
	var id string
	switch api {
	case specs.Esri:
		var task struct {
			TaskOperationID string `json:"taskOperationId"`
		}
		if json.Unmarshal(obj["task"], &task) != nil {
			return nil
		}
		id = strings.ToUpper(strings.Trim(task.TaskOperationID, "{}"))
	case specs.Oracle:
		if json.Unmarshal(obj["id"], &id) != nil {
			return nil
		}
	}
	if id == "" {
		return nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		return nil
	}
	out.WriteByte('\n')
	return writeAtomic(filepath.Join(r.dir, fixtures.FileName(string(api)+"-"+id)), out.Bytes())
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".taskmock-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}
