package secrets

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Redacted replaces every credential in what taskmock prints, records or
// answers.
const Redacted = "REDACTED"

// MinLen is the length in bytes under which a value is not registered as a
// secret: shorter values would replace common words and numbers everywhere
// and protect nothing.
const MinLen = 4

// MinPartial is the least number of bytes of a secret a piece of it cut
// short must hold to be redacted (see the package documentation). A value
// of MinPartial bytes or fewer is only redacted whole.
const MinPartial = 6

// headers are the credential headers, in canonical form.
var headers = []string{"Authorization", "Proxy-Authorization", "X-Esri-Authorization", "Cookie", "Set-Cookie", "X-Auth-Token", "X-Api-Key"}

// words make any header or parameter whose name holds one of them, in any
// letter case, a credential: X-Client-Secret, client_secret, refresh_token,
// id_token, password, X-Amz-Signature.
var words = []string{"token", "secret", "password", "passwd", "api-key", "api_key", "apikey", "signature"}

// params are the credential parameters of a query or a form body whose
// names hold none of words.
var params = []string{"token", "api_key", "access_token", "apikey", "key", "sig", "pwd"}

// Headers returns the names of the credential headers, canonical.
func Headers() []string { return slices.Clone(headers) }

// Params returns the names of the credential parameters named one by one,
// lower case; IsParam also takes any name holding a credential word.
func Params() []string { return slices.Clone(params) }

// IsHeader tells whether a header's value is a credential: one of Headers,
// or a name that contains "token", "secret", "password", "passwd",
// "api-key", "api_key", "apikey" or "signature", in any letter case.
func IsHeader(name string) bool {
	name = strings.TrimSpace(name)
	for _, h := range headers {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return holdsWord(name)
}

// IsParam tells whether a query or form parameter's value is a credential:
// one of Params, or a name that holds one of the words of IsHeader, in any
// letter case.
func IsParam(name string) bool {
	for _, p := range params {
		if strings.EqualFold(p, name) {
			return true
		}
	}
	return holdsWord(name)
}

// holdsWord tells whether name holds one of words, in any letter case.
func holdsWord(name string) bool {
	for _, w := range words {
		if containsFold(name, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w, in
// any letter case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// Set is a set of secret values and what hides them. The zero value and a
// nil *Set are empty sets, whose Redact methods still hide URL user-info
// and credential parameters written in a text. A Set is safe for
// concurrent use: values may be added while others redact.
type Set struct {
	mu     sync.Mutex
	values []string
	has    map[string]struct{}     // the values, for Add and covers
	m      atomic.Pointer[matcher] // nil until used after a change
}

// New returns a Set holding values (see Add).
func New(values ...string) *Set {
	s := &Set{}
	s.Add(values...)
	return s
}

// Add registers secret values as they are, trimmed of surrounding white
// space; values shorter than MinLen bytes are ignored.
func (s *Set) Add(values ...string) {
	var add []string
	for _, v := range values {
		if v = strings.TrimSpace(v); len(v) >= MinLen {
			add = append(add, v)
		}
	}
	if len(add) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	if s.has == nil {
		s.has = make(map[string]struct{}, len(add))
	}
	for _, v := range add {
		if _, ok := s.has[v]; !ok {
			s.has[v] = struct{}{}
			s.values = append(s.values, v)
			changed = true
		}
	}
	if changed {
		s.m.Store(nil) // compiled again on the next use
	}
}

// matcher returns the compiled matcher of the values, nil for none.
func (s *Set) matcher() *matcher {
	if s == nil {
		return nil
	}
	if m := s.m.Load(); m != nil {
		return m
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.m.Load(); m != nil || len(s.values) == 0 {
		return m
	}
	m := compile(s.values)
	s.m.Store(m)
	return m
}

// AddCredential registers the value of a credential header: the whole
// value; the part after its scheme ("Bearer X", "Basic B64"); for Basic,
// the decoded "user:password" and the password; and, for a value made of
// name=value pairs (a cookie header), each pair's value.
func (s *Set) AddCredential(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	vals := []string{v}
	if scheme, cred, ok := strings.Cut(v, " "); ok && !strings.Contains(scheme, "=") {
		cred = strings.TrimSpace(cred)
		vals = append(vals, cred)
		if strings.EqualFold(scheme, "Basic") {
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				vals = append(vals, string(dec))
				if _, pw, ok := strings.Cut(string(dec), ":"); ok {
					vals = append(vals, pw)
				}
			}
		}
	}
	if strings.Contains(v, "=") {
		vals = append(vals, cookieValues(v)...)
	}
	s.Add(vals...)
}

// cookieValues returns the values of the name=value pairs of a Cookie or
// Set-Cookie header, unquoted.
func cookieValues(v string) []string {
	var out []string
	for part := range strings.SplitSeq(v, ";") {
		_, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		out = append(out, val)
	}
	return out
}

// AddHeader registers the values of the credential headers of h (see
// IsHeader and AddCredential).
func (s *Set) AddHeader(h http.Header) {
	for name, vs := range h {
		if IsHeader(name) {
			for _, v := range vs {
				s.AddCredential(v)
			}
		}
	}
}

// AddURL registers the credentials of a URL: the password of its user-info
// (and "user:password"), and the values of its credential parameters.
func (s *Set) AddURL(raw string) {
	if !strings.ContainsAny(raw, "@=") {
		return
	}
	if u, err := url.Parse(raw); err == nil {
		if u.User != nil {
			if pw, ok := u.User.Password(); ok {
				s.Add(pw, u.User.Username()+":"+pw)
			}
		}
		s.addQuery(u.RawQuery)
		return
	}
	// Not a URL Go can parse: its user-info and query read as text.
	if a, at := rawUserInfo(raw); at > a {
		if _, pw, ok := strings.Cut(raw[a:at], ":"); ok {
			s.Add(unescape(pw))
		}
	}
	if _, q, ok := strings.Cut(raw, "?"); ok {
		q, _, _ = strings.Cut(q, "#")
		s.addQuery(q)
	}
}

// rawUserInfo returns where the user-info of a URL that Go cannot parse
// starts and ends (a, at), at < 0 when there is none. A password may hold
// a raw /: the user-info runs to the last @ before the query, the fragment
// or a white space.
func rawUserInfo(raw string) (a, at int) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return 0, -1
	}
	a = i + 3
	end := len(raw)
	if j := strings.IndexAny(raw[a:], "?# \t\r\n"); j >= 0 {
		end = a + j
	}
	k := strings.LastIndexByte(raw[a:end], '@')
	if k < 0 {
		return a, -1
	}
	return a, a + k
}

// addQuery registers the values of the credential parameters of a raw
// query or form body.
func (s *Set) addQuery(q string) {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, val, ok := strings.Cut(pair, "=")
		if ok && IsParam(unescape(name)) {
			s.Add(unescape(val))
		}
	}
}

// AddValues registers the values of the credential parameters of a query
// or a form body.
func (s *Set) AddValues(v url.Values) {
	for name, vs := range v {
		if IsParam(name) {
			s.Add(vs...)
		}
	}
}

// AddSet registers the values of another Set.
func (s *Set) AddSet(o *Set) {
	if o == nil || o == s {
		return
	}
	o.mu.Lock()
	vals := slices.Clone(o.values)
	o.mu.Unlock()
	s.Add(vals...)
}

// covers tells whether s holds every value of the sets. It holds one lock
// at a time.
func (s *Set) covers(sets []*Set) bool {
	for _, o := range sets {
		if o == nil || o == s {
			continue
		}
		o.mu.Lock()
		vals := o.values // only ever appended to
		o.mu.Unlock()
		s.mu.Lock()
		for _, v := range vals {
			if _, ok := s.has[v]; !ok {
				s.mu.Unlock()
				return false
			}
		}
		s.mu.Unlock()
	}
	return true
}

// Len returns how many values the Set holds.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values)
}

// Collect returns the credentials carried by a request or a response (see
// AddURL, AddHeader and AddValues), or nil when it carries none. It does not
// allocate for a request without credentials.
func Collect(rawURL string, h http.Header, form url.Values) *Set {
	if !carries(rawURL, h, form) {
		return nil
	}
	s := &Set{}
	s.AddURL(rawURL)
	s.AddHeader(h)
	s.AddValues(form)
	if s.Len() == 0 {
		return nil
	}
	return s
}

// carries tells cheaply whether a request may carry a credential.
func carries(rawURL string, h http.Header, form url.Values) bool {
	for name := range h {
		if IsHeader(name) {
			return true
		}
	}
	for name := range form {
		if IsParam(name) {
			return true
		}
	}
	if strings.IndexByte(rawURL, '@') >= 0 {
		return true
	}
	q := rawURL
	if i := strings.IndexByte(q, '?'); i >= 0 {
		q = q[i+1:]
	} else {
		return false
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(pair, "=")
		if IsParam(name) || strings.IndexByte(name, '%') >= 0 {
			return true
		}
	}
	return false
}

// Union returns a Set holding the values of every set given: one of them
// when the others are empty, nil when all are.
func Union(sets ...*Set) *Set {
	var first *Set
	n := 0
	for _, s := range sets {
		if s.Len() > 0 {
			if first == nil {
				first = s
			}
			n++
		}
	}
	if n <= 1 {
		return first
	}
	// A set holding the values of all the others is their union: a Set
	// that gathers the credentials of a whole run is not copied (nor
	// compiled again) for each exchange.
	for _, s := range sets {
		if s.Len() > 0 && s.covers(sets) {
			return s
		}
	}
	u := &Set{}
	for _, s := range sets {
		u.AddSet(s)
	}
	return u
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// Redact returns text with every secret of the Set, in any form, and every
// URL user-info and credential parameter written in it replaced by
// Redacted.
func (s *Set) Redact(text string) string {
	spans := s.spans(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp.start])
		b.WriteString(Redacted)
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// RedactBytes is Redact for bytes. It returns b itself when nothing is to
// be hidden.
func (s *Set) RedactBytes(b []byte) []byte {
	m := s.matcher()
	// A read-only view of b, which is not changed while it is searched.
	spans := findSpans(m, unsafe.String(unsafe.SliceData(b), len(b)))
	if len(spans) == 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	last := 0
	for _, sp := range spans {
		out = append(out, b[last:sp.start]...)
		out = append(out, Redacted...)
		last = sp.end
	}
	return append(out, b[last:]...)
}

func (s *Set) spans(text string) []span { return findSpans(s.matcher(), text) }

// RedactURL returns a URL with its user-info and the values of its
// credential parameters replaced by Redacted, and any secret of the Set
// hidden (see Redact). The order of the parameters is kept.
func (s *Set) RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if a, at := rawUserInfo(raw); at > a {
			raw = raw[:a] + Redacted + raw[at:]
		}
		return s.Redact(raw)
	}
	if u.User != nil {
		u.User = url.User(Redacted)
	}
	u.RawQuery = redactQuery(u.RawQuery)
	return s.Redact(u.String())
}

// RedactRawURL returns raw, a URL given by a user that may not parse, fit
// to be quoted in a message: the values of its credential parameters and
// its user-info are replaced by Redacted. As a password may hold any
// character (a /, ?, # or space that Go cannot parse), everything from
// after "//" (or from the start, without "//") to the last @ counts as
// user-info.
func RedactRawURL(raw string) string {
	s := New()
	s.AddURL(raw)
	out := s.RedactURL(raw)
	start := 0
	if i := strings.Index(out, "//"); i >= 0 {
		start = i + 2
	}
	if at := strings.LastIndexByte(out[start:], '@'); at >= 0 && out[start:start+at] != Redacted {
		out = out[:start] + Redacted + out[start+at:]
	}
	return out
}

// RedactQuery returns a raw query or form body with the values of its
// credential parameters replaced by Redacted, in the order given, and any
// secret of the Set hidden.
func (s *Set) RedactQuery(q string) string { return s.Redact(redactQuery(q)) }

func redactQuery(q string) string {
	if q == "" {
		return q
	}
	pairs := strings.Split(q, "&")
	for i, p := range pairs {
		if name, _, ok := strings.Cut(p, "="); ok && IsParam(unescape(name)) {
			pairs[i] = name + "=" + Redacted
		}
	}
	return strings.Join(pairs, "&")
}

// RedactHeader returns a copy of h in which the values of the credential
// headers are Redacted and the other values are redacted as Redact does.
func (s *Set) RedactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			if IsHeader(name) {
				c[i] = Redacted
			} else {
				c[i] = s.Redact(v)
			}
		}
		out[name] = c
	}
	return out
}

// RedactValues returns a copy of v in which the values of the credential
// parameters are Redacted and the other values are redacted as Redact
// does.
func (s *Set) RedactValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for name, vs := range v {
		c := make([]string, len(vs))
		for i, x := range vs {
			if IsParam(name) {
				c[i] = Redacted
			} else {
				c[i] = s.Redact(x)
			}
		}
		out[name] = c
	}
	return out
}

// Writer returns a writer that redacts what it writes to w, as Redact does.
// Each Write is redacted on its own: write whole lines or messages, never a
// secret split over two calls.
func (s *Set) Writer(w io.Writer) io.Writer { return &writer{w: w, s: s} }

type writer struct {
	w io.Writer
	s *Set
}

func (w *writer) Write(p []byte) (int, error) {
	if _, err := w.w.Write(w.s.RedactBytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
