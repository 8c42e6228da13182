package contract

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// harEntry is what the loader reads of one HAR 1.2 entry; other members
// (timings, cache, cookies, browser extensions such as _initiator) are
// ignored.
type harEntry struct {
	Request  harRequest  `json:"request"`
	Response harResponse `json:"response"`
}

type harRequest struct {
	Method   string         `json:"method"`
	URL      string         `json:"url"`
	Headers  []harNameValue `json:"headers"`
	PostData *harPostData   `json:"postData"`
}

type harPostData struct {
	MimeType string         `json:"mimeType"`
	Text     string         `json:"text"`
	Params   []harNameValue `json:"params"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harResponse struct {
	Status  harStatus      `json:"status"`
	Headers []harNameValue `json:"headers"`
	Content harContent     `json:"content"`
}

type harContent struct {
	Text     *string `json:"text"`
	Encoding string  `json:"encoding"`
	Size     harSize `json:"size"`
}

// harSize is content.size: the length of the response body in bytes. A
// value that is not a number is taken as unknown (0), as HAR readers do.
type harSize float64

func (s *harSize) UnmarshalJSON(b []byte) error {
	var f float64
	if json.Unmarshal(b, &f) == nil {
		*s = harSize(f)
	}
	return nil
}

// errNotHAREntry is an entry that is well-formed JSON but not a HAR entry:
// the decoder read it whole, and the next entry can be read.
var errNotHAREntry = errors.New("not a HAR 1.2 entry")

// harEntryOnly tells whether err, of the decoder reading one entry, is
// about that entry alone (a value of the wrong kind): the decoder read the
// entry whole and can go on. A syntax error or an end of input cannot be
// read past.
func harEntryOnly(err error) bool {
	_, wrongKind := errors.AsType[*json.UnmarshalTypeError](err)
	return wrongKind || errors.Is(err, errNotHAREntry)
}

// harStatus is a response status as HAR writers put it: an integer, 0 for a
// request that got no response (blocked, aborted).
type harStatus int

func (s *harStatus) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = 0
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%w: response.status is not a number", errNotHAREntry)
	}
	if f != math.Trunc(f) || (f != 0 && (f < 100 || f > 999)) {
		return fmt.Errorf("%w: response.status %s is not an HTTP status code", errNotHAREntry, loadClip(string(b), 20))
	}
	*s = harStatus(f)
	return nil
}

// harFindLog reads the top level of a JSON document up to the value of its
// "log" member (found), skipping the members before it: token by token, or
// with whole decodes when hold is set (faster, and the caller holds the
// bytes anyway). object is false when the document is not a JSON object. An
// end of input after the first token is reported as io.ErrUnexpectedEOF;
// io.EOF means no input at all.
func harFindLog(dec *json.Decoder, hold bool) (found, object bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return false, false, err
	}
	if tok != json.Delim('{') {
		return false, false, nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return false, true, loadNoEOF(err)
		}
		if key == "log" {
			return true, true, nil
		}
		if hold {
			err = dec.Decode(&loadDiscard{})
		} else {
			err = loadSkipValue(dec)
		}
		if err != nil {
			return false, true, loadNoEOF(err)
		}
	}
	_, err = dec.Token()
	return false, true, loadNoEOF(err)
}

// har reads a HAR document from dec, positioned at the value of the
// top-level "log", one entry at a time.
func (l *loader) har(src string, dec *json.Decoder, rec *loadRecorder) error {
	l.harRead = 0
	fail := func(err error) error {
		return l.harFail(src, l.harRead, false, dec, rec, err)
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if tok != json.Delim('{') {
		return &LoadError{Source: src, Err: errors.New("not a HAR 1.2 file: log is not an object")}
	}
	sawEntries := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		switch key {
		case "entries":
			sawEntries = true
			if err := l.harEntries(src, dec, rec); err != nil {
				return err
			}
		case "version":
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return fail(err)
			}
			if err := harCheckVersion(v); err != nil {
				return &LoadError{Source: src, Err: err}
			}
		default:
			if err := loadSkipValue(dec); err != nil {
				return fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the '}' closing log
		return fail(err)
	}
	if !sawEntries {
		return &LoadError{Source: src, Err: errors.New("not a HAR 1.2 file: missing log.entries")}
	}
	// The members after log, and the end of the document.
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return fail(err)
		}
		if err := loadSkipValue(dec); err != nil {
			return fail(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	at, err := loadTrailing(dec, l.lim)
	if err != nil {
		return fail(err)
	}
	if at > 0 {
		return &LoadError{Source: src, Err: fmt.Errorf("invalid JSON (unexpected data after the HAR document at byte %d)", at)}
	}
	return nil
}

// harEntries reads log.entries, handing each entry to l.fn before reading
// the next.
func (l *loader) harEntries(src string, dec *json.Decoder, rec *loadRecorder) error {
	tok, err := dec.Token()
	if err != nil {
		return l.harFail(src, l.harRead, false, dec, rec, err)
	}
	if tok != json.Delim('[') {
		return &LoadError{Source: src, Err: errors.New("not a HAR 1.2 file: log.entries is not an array")}
	}
	for n := 1; dec.More(); n++ {
		name := fmt.Sprintf("%s#%d", src, n)
		line := harEntryLine(dec, l.lim)
		var e harEntry
		if err := dec.Decode(&e); err != nil {
			if !harEntryOnly(err) {
				return l.harFail(src, l.harRead, true, dec, rec, err)
			}
			// Not an entry, but read whole: it is not checked, and the
			// next one is read.
			l.harRead = n
			l.lim.release(dec.InputOffset())
			if err := l.fileFailed(&LoadError{Source: name, Err: loadStreamError(dec, rec, err)}); err != nil {
				return err
			}
			continue
		}
		l.harRead = n
		ex, ok, err := l.harExchange(&e)
		l.lim.release(dec.InputOffset()) // the long strings of this entry
		if err != nil {
			// The entry is not checked (a body over the limit, in bad
			// base64...); the next one is read.
			if err := l.fileFailed(&LoadError{Source: name, Err: err}); err != nil {
				return err
			}
			continue
		}
		if !ok {
			l.stats.Skipped++
			continue
		}
		it := Item{Source: name, Exchange: ex}
		if line > 0 {
			// Inside the entry's recorded text a value has no line of the
			// file: each is placed at the line where its entry starts (the
			// entry's own line in a recording of taskmock proxy).
			it.Line = func(string) int { return line }
		}
		if err := l.emit(it); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return l.harFail(src, l.harRead, false, dec, rec, err)
	}
	return nil
}

// harEntryLine is the line where the next entry starts: the decoder stands
// before it, at most a comma and white space away.
func harEntryLine(dec *json.Decoder, lim *harLimiter) int {
	line := lim.lineAt(dec.InputOffset())
	if line == 0 {
		return 0
	}
	var ahead [256]byte
	n, _ := io.ReadFull(dec.Buffered(), ahead[:])
	for _, c := range ahead[:n] {
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r', ',':
		default:
			return line
		}
	}
	return line
}

// harExchange turns an entry into an exchange; ok is false for an entry
// that is not one of the APIs' operations (or not of opts.API), that got
// no response, or whose body was not recorded (counted as NotRecorded). A
// response body over MaxBody is a *BodyTooLargeError.
func (l *loader) harExchange(e *harEntry) (ex Exchange, ok bool, err error) {
	if e.Response.Status == 0 {
		return Exchange{}, false, nil
	}
	// Strings longer than harLongString were kept aside by the limiter:
	// those of the request's route first, the rest once the entry is
	// known to be of the APIs.
	method, err1 := l.lim.text(e.Request.Method)
	rawURL, err2 := l.lim.text(e.Request.URL)
	if err1 != nil || err2 != nil {
		return Exchange{}, false, nil // no route is that long
	}
	api, ok := APIForRequest(method, rawURL)
	if !ok || (l.opts.API != "" && api != l.opts.API) {
		return Exchange{}, false, nil
	}
	if harNotRecorded(e) {
		l.stats.NotRecorded++
		return Exchange{}, false, nil
	}
	if err := l.harResolve(e); err != nil {
		return Exchange{}, false, err
	}
	e.Request.Method, e.Request.URL = method, rawURL
	var body []byte
	if t := e.Response.Content.Text; t != nil {
		raw, err := l.lim.bytes(*t, l.lim.blobOf(*t))
		if cut, ok := errors.AsType[*errHARCut](err); ok {
			return Exchange{}, false, &BodyTooLargeError{Size: cut.size, Limit: l.limit, Recorded: true}
		}
		if err != nil {
			return Exchange{}, false, fmt.Errorf("response.content.text: %v", err)
		}
		switch enc := e.Response.Content.Encoding; {
		case enc == "":
			body = raw
		case strings.EqualFold(enc, "base64"):
			body = make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
			n, err := base64.StdEncoding.Decode(body, raw)
			if err != nil {
				return Exchange{}, false, fmt.Errorf("response.content.text is not valid base64 (%v)", err)
			}
			body = body[:n]
		default:
			return Exchange{}, false, fmt.Errorf("response.content.encoding %q is not supported (want base64 or none)", loadClip(enc, 20))
		}
		if int64(len(body)) > l.limit {
			return Exchange{}, false, &BodyTooLargeError{Size: int64(len(body)), Limit: l.limit}
		}
	}
	return Exchange{
		API: api,
		Request: &Request{
			Method: e.Request.Method,
			URL:    e.Request.URL,
			Header: harHeader(e.Request.Headers),
			Form:   harForm(e.Request.PostData),
			Body:   harPostText(e.Request.PostData),
		},
		Status: int(e.Response.Status),
		Header: harHeader(e.Response.Headers),
		Body:   body,
	}, true, nil
}

// harResolve puts back the long strings of the request and response
// members the loader reads (all but response.content.text); one over the
// limit is an error naming the member.
func (l *loader) harResolve(e *harEntry) error {
	resolve := func(member string, s *string) error {
		v, err := l.lim.text(*s)
		if err != nil {
			return fmt.Errorf("%s: %v", member, err)
		}
		*s = v
		return nil
	}
	pairs := func(member string, ps []harNameValue) error {
		for i := range ps {
			if err := resolve(member+".name", &ps[i].Name); err != nil {
				return err
			}
			if err := resolve(member+".value", &ps[i].Value); err != nil {
				return err
			}
		}
		return nil
	}
	if err := pairs("request.headers", e.Request.Headers); err != nil {
		return err
	}
	if err := pairs("response.headers", e.Response.Headers); err != nil {
		return err
	}
	if err := resolve("response.content.encoding", &e.Response.Content.Encoding); err != nil {
		return err
	}
	if pd := e.Request.PostData; pd != nil {
		if err := resolve("request.postData.mimeType", &pd.MimeType); err != nil {
			return err
		}
		if err := resolve("request.postData.text", &pd.Text); err != nil {
			return err
		}
		if err := pairs("request.postData.params", pd.Params); err != nil {
			return err
		}
	}
	return nil
}

// harNotRecorded tells whether an entry's response body was not saved:
// browsers export a HAR "without content" with content.size > 0 and no
// content.text (or an empty one). Such an entry cannot be checked.
func harNotRecorded(e *harEntry) bool {
	c := e.Response.Content
	return c.Size > 0 && (c.Text == nil || *c.Text == "")
}

// harHeader builds a header from HAR name/value pairs, with canonical names.
// HTTP/2 pseudo-headers (":authority", ":path", ...), which browsers list
// among the request headers, are left out.
func harHeader(pairs []harNameValue) http.Header {
	h := make(http.Header, len(pairs))
	for _, p := range pairs {
		if p.Name == "" || strings.HasPrefix(p.Name, ":") {
			continue
		}
		h.Add(p.Name, p.Value)
	}
	return h
}

// harPostText returns the text of a posted body, nil when none was saved.
func harPostText(pd *harPostData) []byte {
	if pd == nil || pd.Text == "" {
		return nil
	}
	return []byte(pd.Text)
}

// harForm returns the fields of a posted form: parsed from the text of an
// application/x-www-form-urlencoded body (the exact bytes sent), else from
// postData.params.
func harForm(pd *harPostData) map[string][]string {
	if pd == nil {
		return nil
	}
	form := url.Values{}
	if mt, _, _ := mime.ParseMediaType(pd.MimeType); mt == "application/x-www-form-urlencoded" && pd.Text != "" {
		// A malformed pair is dropped; the well-formed ones are kept.
		form, _ = url.ParseQuery(pd.Text)
	}
	if len(form) == 0 {
		for _, p := range pd.Params {
			form.Add(p.Name, p.Value)
		}
	}
	if len(form) == 0 {
		return nil
	}
	return form
}

// harCheckVersion accepts a missing or empty log.version, and any 1.x.
func harCheckVersion(raw json.RawMessage) error {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		if string(raw) == "null" {
			return nil
		}
		v = string(raw) // a number such as 1.2
	}
	if v == "" || strings.HasPrefix(v, "1.") {
		return nil
	}
	return fmt.Errorf("not a HAR 1.2 file: log.version is %q", loadClip(v, 20))
}

// loadSkipValue reads and discards the next JSON value of dec, token by
// token, so that a large value is never held in memory.
func loadSkipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth <= 0 {
			return nil
		}
	}
}

// loadDiscard decodes any JSON value into nothing.
type loadDiscard struct{}

func (loadDiscard) UnmarshalJSON([]byte) error { return nil }

// loadNoEOF turns an end of input in the middle of a document into
// io.ErrUnexpectedEOF.
func loadNoEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// loadTrailing returns the 1-based offset of the first non-whitespace byte
// after the value dec has just read, or 0 when there is none.
func loadTrailing(dec *json.Decoder, rest io.Reader) (int64, error) {
	at := dec.InputOffset()
	r := io.MultiReader(dec.Buffered(), rest)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		for i := range n {
			if !loadIsSpace(buf[i]) {
				return at + int64(i) + 1, nil
			}
		}
		at += int64(n)
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// loadClip shortens s to at most n bytes for a message.
func loadClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
