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
	"github.com/taskmock/taskmock/internal/outfile"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// Redacted replaces every credential in a recording.
const Redacted = secrets.Redacted

// HARName is the name of the HAR file a Recorder writes in its directory.
const HARName = "taskmock.har"

// Recorder writes the exchanges of the operations of the two APIs to a
// directory: all of them to one HAR 1.2 file, HARName, and each getTask
// body that conforms to the contract as a fixture file, esri-TASKOPERATIONID.json or
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
// Credentials are redacted as package secrets defines them: the values of
// the credential headers of the request and the response (Authorization,
// Cookie, Set-Cookie, X-Api-Key ...), the credential parameters of the
// query and of a form body (token, api_key, access_token ...), the
// user-info of the URL, and any of their values found in a body, a header
// or a redirect URL, in any form (as sent, JSON-escaped, percent-encoded,
// cut short). Build one with NewRecorder; it is safe for concurrent use.
type Recorder struct {
	dir    string
	anon   *anonymizer
	notice string
	// anonymize and keyFile are the settings of Anonymize and
	// AnonymizeKeyFile, read by NewRecorder.
	anonymize bool
	keyFile   string

	mu  sync.Mutex
	har *harFile // nil once closed
	n   int      // entries written by this Recorder
	err error
}

// RecordOption configures a Recorder.
type RecordOption func(*Recorder)

// Anonymize replaces the people named in the recorded bodies (ids, login
// and display names, e-mail addresses, application clients) by fakes,
// consistently: the same real person maps to the same fake one, userN,
// and a task stays valid. Groups, roles and "System" are kept. A body
// that cannot be walked (nested deeper or larger than package jsonlimit
// allows) is not recorded: its HAR entry keeps its size and a comment
// saying why, and no fixture is written.
//
// The fakes hold across the Recorders of one directory: each id, login
// and address met is written to the directory's PeopleName file as a
// keyed hash (HMAC-SHA256) with its fake, and a later Recorder gives a
// person found there the same fake, numbering new people after the
// highest. The key comes from a file outside the directory
// (AnonymizeKeyFile, by default DefaultKeyFile), created on first use, so
// the directory holds nothing from which a real name can be recovered or
// a guessed one confirmed. A Recorder with another key gives new fakes,
// never one already given, and its Notice says so.
func Anonymize() RecordOption { return func(r *Recorder) { r.anonymize = true } }

// AnonymizeKeyFile sets the file of the key of Anonymize (which it
// implies): a file of hex digits, created with a new random key (mode
// 0600) when it does not exist. NewRecorder refuses one inside the
// recording directory.
func AnonymizeKeyFile(path string) RecordOption {
	return func(r *Recorder) { r.anonymize, r.keyFile = true, path }
}

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
	// The temporary files of fixtures a killed Recorder was writing: none
	// is in use, since the lock on the HAR is this Recorder's.
	removeStaleTemps(dir)
	r := &Recorder{dir: dir, har: har, notice: notice}
	for _, o := range opts {
		o(r)
	}
	if r.anonymize {
		if err := r.openBook(); err != nil {
			_ = har.close()
			return nil, fmt.Errorf("proxy: %w", err)
		}
	}
	return r, nil
}

// openBook sets up the anonymizer with the key and the people of the
// recording.
func (r *Recorder) openBook() error {
	path := r.keyFile
	if path == "" {
		var err error
		if path, err = DefaultKeyFile(); err != nil {
			return err
		}
	}
	key, err := loadKey(path, r.dir)
	if err != nil {
		return err
	}
	book, err := openPeople(r.dir, key)
	if err != nil {
		return err
	}
	if book.other > 0 {
		n := fmt.Sprintf("%s holds people anonymized with another key than %s: they get new fakes, numbered after user%d and client%d", book.path, path, book.users, book.clients)
		if r.notice != "" {
			n = r.notice + "; " + n
		}
		r.notice = n
	}
	r.anon = newBookAnonymizer(book)
	return nil
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
		Comment  string         `json:"comment,omitempty"`
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
		Text     string `json:"text,omitempty"`
		Comment  string `json:"comment,omitempty"`
	}
	harTimings struct {
		Send    float64 `json:"send"`
		Wait    float64 `json:"wait"`
		Receive float64 `json:"receive"`
	}
)

// record adds one exchange; a write error is kept for Err. It returns why
// the response body was not recorded, if it was not.
func (r *Recorder) record(api specs.Name, out *http.Request, info *exchangeInfo, res *http.Response, body []byte, rep contract.Report) (withheld, failed error) {
	// Every credential of the exchange is hidden wherever it appears.
	set := exchangeSecrets(out, info, res)

	u := *out.URL
	u.User = nil
	q := set.RedactValues(u.Query())
	u.RawQuery = set.RedactQuery(u.RawQuery)
	req := harRequest{Method: out.Method, URL: set.RedactURL(u.String()), HTTPVersion: "HTTP/1.1", Cookies: []harNameValue{},
		Headers: harHeaders(set.RedactHeader(out.Header)), QueryString: harValues(q), HeadersSize: -1, BodySize: 0}

	text := string(set.RedactBytes(body))
	content := harContent{Size: len(text), MimeType: res.Header.Get("Content-Type"), Text: text}
	if r.anon != nil {
		b, err := r.anon.body([]byte(text))
		if err != nil {
			// A body that cannot be anonymized is not recorded, as a HAR
			// says of a body it did not save: a size and no text. No
			// fixture is written either.
			withheld = fmt.Errorf("the body cannot be anonymized: %w", err)
			text = ""
			content.Text, content.Comment = "", "taskmock: body not recorded: "+withheld.Error()
		} else {
			text = string(b)
			content.Size, content.Text = len(text), text
		}
	}
	// The request body, recorded after the response so that the
	// anonymizer knows the people the response named: a person the
	// request names is replaced as in the answer.
	switch {
	case info.form != nil:
		f := set.RedactValues(info.form)
		comment := ""
		if r.anon != nil {
			if af, err := r.anon.values(f); err != nil {
				f, comment = url.Values{}, "taskmock: body not recorded: the form cannot be anonymized: "+err.Error()
			} else {
				f = af
			}
		}
		text := f.Encode()
		req.PostData = &harPostData{MimeType: "application/x-www-form-urlencoded", Params: harValues(f), Text: text, Comment: comment}
		req.BodySize = len(text)
	case info.withheld != "":
		mt := out.Header.Get("Content-Type")
		if mt == "" {
			mt = "application/octet-stream"
		}
		req.PostData = &harPostData{MimeType: mt, Params: []harNameValue{}, Comment: "taskmock: body not recorded: " + info.withheld}
		req.BodySize = -1
		if out.ContentLength > 0 {
			req.BodySize = int(out.ContentLength)
		}
	case info.body != nil:
		text := set.RedactBytes(info.body)
		comment := ""
		if r.anon != nil {
			b, err := r.anon.body(text)
			if err != nil {
				text, comment = nil, "taskmock: body not recorded: the body cannot be anonymized: "+err.Error()
			} else {
				text = b
			}
		}
		mt := info.bodyType
		if mt == "" {
			mt = "application/octet-stream"
		}
		req.PostData = &harPostData{MimeType: mt, Params: []harNameValue{}, Text: string(text), Comment: comment}
		req.BodySize = len(info.body)
	}
	resp := harResponse{Status: res.StatusCode, StatusText: http.StatusText(res.StatusCode), HTTPVersion: "HTTP/1.1",
		Cookies: []harNameValue{}, Headers: harHeaders(set.RedactHeader(res.Header)),
		Content:     content,
		RedirectURL: set.RedactURL(res.Header.Get("Location")), HeadersSize: -1, BodySize: content.Size}
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
	if err != nil {
		failed = err
		if r.err == nil {
			r.err = err
		}
	}
	// Only getTask answers with a task: the other operations' bodies are
	// in the HAR only.
	if withheld == nil && res.StatusCode == http.StatusOK && rep.Errors() == 0 && rep.Operation == specs.OpGetTask {
		if err := r.writeFixture(api, []byte(text)); err != nil {
			failed = errors.Join(failed, err)
			if r.err == nil {
				r.err = err
			}
		}
	}
	return withheld, failed
}

// harHeaders lists a header's values, names sorted.
func harHeaders(h http.Header) []harNameValue {
	out := []harNameValue{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, harNameValue{Name: k, Value: v})
		}
	}
	return out
}

// harValues lists query or form values, names sorted.
func harValues(q url.Values) []harNameValue {
	out := []harNameValue{}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			out = append(out, harNameValue{Name: k, Value: v})
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
	return outfile.WriteFile(filepath.Join(r.dir, fixtures.FileName(string(api)+"-"+id)), tempPattern, out.Bytes())
}

// tempPattern names the temporary files a Recorder writes in its
// directory before renaming them (os.CreateTemp puts digits for the *).
const tempPattern = ".taskmock-*"

// removeStaleTemps removes the temporary files of tempPattern in dir that
// a process killed while writing left behind. Only regular files whose
// name is the pattern with digits are removed.
func removeStaleTemps(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, tempPattern))
	for _, p := range names {
		digits := strings.TrimPrefix(filepath.Base(p), ".taskmock-")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			continue
		}
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			_ = os.Remove(p)
		}
	}
}
