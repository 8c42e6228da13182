package proxy

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// Mode says what the proxy does with a response that violates the
// contract.
type Mode string

// The modes of a Proxy.
const (
	// ModeReport passes every response on, with a Taskmock-Violations
	// header, and logs the violations.
	ModeReport Mode = "report"
	// ModeEnforce replaces a response that fails the contract by a 502
	// whose JSON body lists the violations.
	ModeEnforce Mode = "enforce"
)

// Modes lists the modes in the order the help text gives them.
func Modes() []Mode { return []Mode{ModeReport, ModeEnforce} }

// HeaderViolations is the response header that summarises the violations
// of a checked response: "none", or "2 errors, 1 warning: RULE LOCATION;
// ...". A response too large to check says "not checked: ...".
const HeaderViolations = "Taskmock-Violations"

// DefaultMaxBody is the largest response body the proxy reads to validate:
// a larger one passes unchecked.
const DefaultMaxBody = 32 << 20

// maxFormBody is the largest form-encoded request body read for its
// fields; a larger one is forwarded without them.
const maxFormBody = 1 << 20

// Proxy is a reverse proxy to a real server of the task APIs that
// validates the responses of the two operations and, with a Recorder,
// records them. Build one with New; it is an http.Handler safe for
// concurrent use.
type Proxy struct {
	target    *url.URL
	mode      Mode
	strict    bool
	maxBody   int64
	logger    *slog.Logger
	recorder  *Recorder
	transport http.RoundTripper
	validator *contract.Validator
	rp        *httputil.ReverseProxy
}

// Option configures a Proxy.
type Option func(*Proxy)

// WithMode sets the mode (default ModeReport).
func WithMode(m Mode) Option { return func(p *Proxy) { p.mode = m } }

// WithStrict makes undocumented properties errors and lets a warning fail
// a response, as validate --strict.
func WithStrict(on bool) Option { return func(p *Proxy) { p.strict = on } }

// WithLogger logs violations and upstream errors to l (default: discard).
func WithLogger(l *slog.Logger) Option { return func(p *Proxy) { p.logger = l } }

// WithRecorder records every exchange of the two operations with r.
func WithRecorder(r *Recorder) Option { return func(p *Proxy) { p.recorder = r } }

// WithTransport sends the requests with t (default: a clone of
// http.DefaultTransport).
func WithTransport(t http.RoundTripper) Option { return func(p *Proxy) { p.transport = t } }

// WithMaxBody sets the largest response body read to validate (default
// DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(p *Proxy) { p.maxBody = n } }

// errUserInfo refuses a target with user-info: it would be dropped (a
// reverse proxy does not turn it into credentials), and sending it as
// Basic authentication would put one password on every client's request.
var errUserInfo = errors.New("proxy: the target must not hold a user name or password (user:password@host): they are not sent to the server; let the client send its own credentials (an Authorization header, a token), which the proxy passes on")

// New returns a Proxy that forwards every request to target, an http or
// https URL whose path prefixes the requests' paths; a target with
// user-info (user:password@) is refused.
func New(target string, opts ...Option) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("proxy: the target must be an http or https URL, got %q", secrets.RedactRawURL(target))
	}
	if u.User != nil {
		return nil, errUserInfo
	}
	u.RawQuery, u.Fragment = "", ""
	p := &Proxy{target: u, mode: ModeReport, maxBody: DefaultMaxBody}
	for _, o := range opts {
		o(p)
	}
	if p.mode != ModeReport && p.mode != ModeEnforce {
		return nil, fmt.Errorf("proxy: unknown mode %q", p.mode)
	}
	if p.maxBody <= 0 {
		return nil, errors.New("proxy: the body limit must be positive")
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	if p.transport == nil {
		p.transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if p.validator, err = contract.New(contract.Strict(p.strict)); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      p.transport,
		ModifyResponse: p.modify,
		ErrorHandler:   p.upstreamError,
		ErrorLog:       slog.NewLogLogger(p.logger.Handler(), slog.LevelWarn),
	}
	return p, nil
}

// exchangeInfo is what the proxy keeps of an incoming request for the
// response: its form fields and when it started.
type exchangeInfo struct {
	form     url.Values
	body     []byte // a request body of a documented operation that is not a form, as sent (or a form that does not parse)
	bodyType string // its Content-Type
	withheld string // why a POST body is not recorded, if it is not
	start    time.Time
}

type infoKey struct{}

// decodeBody undoes a request body's Content-Encoding (gzip, deflate,
// identity), within maxFormBody bytes decoded; an encoding it cannot undo,
// or a body that does not decode, is an error that says so.
func decodeBody(encoding string, b []byte) ([]byte, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return b, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("gzip-encoded and does not decode: %v", err)
		}
		r = zr
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("deflate-encoded and does not decode: %v", err)
		}
		r = zr
	default:
		return nil, fmt.Errorf("encoded as %q, which taskmock cannot decode: its credentials cannot be looked for", encoding)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxFormBody+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s-encoded and does not decode: %v", encoding, err)
	case len(out) > maxFormBody:
		return nil, fmt.Errorf("larger than 1 MiB once decoded")
	}
	return out, nil
}

// ServeHTTP forwards r to the target.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := &exchangeInfo{start: time.Now()}
	_, ok := contract.APIForRequest(r.Method, r.URL.EscapedPath())
	if ok && r.Method == http.MethodPost && r.Body != nil && r.Body != http.NoBody {
		// Kept for the recording: an ArcGIS form (its token is a
		// credential), an Oracle reassignment's JSON.
		b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
		// What the body says once its Content-Encoding is undone: the
		// credentials are looked for, and the body recorded, as decoded.
		plain, decodeErr := decodeBody(r.Header.Get("Content-Encoding"), b)
		switch {
		case err != nil:
			info.withheld = "the request body could not be read: " + err.Error()
		case len(b) > maxFormBody:
			info.withheld = "the request body is larger than 1 MiB"
		case len(b) == 0:
		case decodeErr != nil:
			info.withheld = "the request body is " + decodeErr.Error()
		case isForm(r.Header):
			b := plain
			if form, err := url.ParseQuery(string(b)); err == nil {
				info.form = form
			} else {
				// Not recorded, but kept for its credentials, which the
				// answer may echo.
				info.withheld = "the form does not parse: " + err.Error()
				info.body, info.bodyType = b, r.Header.Get("Content-Type")
			}
		default:
			info.body, info.bodyType = plain, r.Header.Get("Content-Type")
		}
		rest := r.Body
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), rest), rest}
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
}

// exchangeSecrets returns the credentials of an exchange: those of the
// request (URL, headers, form, any other body) and of the response's
// headers (Set-Cookie ...); nil when there are none.
func exchangeSecrets(out *http.Request, info *exchangeInfo, res *http.Response) *secrets.Set {
	return secrets.Union(secrets.CollectRequest(out.URL.String(), out.Header, info.form, info.bodyType, info.body),
		secrets.Collect("", res.Header, nil))
}

func isForm(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.target)
	pr.Out.Host = p.target.Host
	if _, ok := contract.APIForRequest(pr.Out.Method, pr.Out.URL.EscapedPath()); ok {
		// The transport asks for gzip itself and decodes it, so that the
		// body can be validated.
		pr.Out.Header.Del("Accept-Encoding")
	}
}

// upstreamError answers 502 when the target cannot be reached.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		// Its URL may hold a token.
		err = ue.Err
	}
	p.logger.Warn("upstream error", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, "taskmock proxy: the target %s cannot be reached\n", p.target.Host)
}

// modify validates a response of the two operations, records it, and in
// enforce mode replaces it when it fails.
func (p *Proxy) modify(res *http.Response) error {
	out := res.Request
	api, ok := contract.APIForRequest(out.Method, out.URL.EscapedPath())
	if !ok {
		return nil
	}
	if unchecked(res) {
		p.logger.Info("response passed unchecked: it carries no task", slog.String("api", string(api)),
			slog.String("method", out.Method), slog.String("path", out.URL.Path), slog.Int("status", res.StatusCode))
		return nil
	}
	info, _ := out.Context().Value(infoKey{}).(*exchangeInfo)
	if info == nil {
		info = &exchangeInfo{start: time.Now()}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, p.maxBody+1))
	if err != nil {
		return fmt.Errorf("reading the response: %w", err)
	}
	if int64(len(body)) > p.maxBody {
		res.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), res.Body), res.Body}
		res.Header.Set(HeaderViolations, fmt.Sprintf("not checked: the body is over %d bytes", p.maxBody))
		p.logger.Warn("response not checked: body over the limit", slog.String("api", string(api)), slog.String("path", out.URL.Path))
		return nil
	}
	_ = res.Body.Close()
	// The validator hides the credentials of the request and the cookies
	// of the response in the body before it reads it: no violation it
	// reports (log, Taskmock-Violations, the 502 of enforce mode) quotes
	// one, even when the server echoes it.
	req := &contract.Request{Method: out.Method, URL: out.URL.String(), Header: out.Header, Form: info.form, Body: info.body}
	rep := p.validator.Validate(contract.Exchange{API: api, Request: req, Status: res.StatusCode, Header: res.Header, Body: body})
	summary := Summary(rep)
	p.log(api, out, rep)
	if p.recorder != nil {
		withheld, failed := p.recorder.record(api, out, info, res, body, rep)
		if withheld != nil {
			p.logger.Warn("recorded without the response body", slog.String("api", string(api)), slog.String("path", out.URL.Path),
				slog.String("reason", withheld.Error()))
		}
		if failed != nil {
			// Said at once, for every exchange lost: a full disk must not
			// go unnoticed until the proxy stops.
			p.logger.Warn("exchange not recorded", slog.String("api", string(api)), slog.String("path", out.URL.Path),
				slog.String("reason", strings.ReplaceAll(failed.Error(), "\n", "; ")))
		}
	}
	res.Header.Set(HeaderViolations, summary)
	if p.mode == ModeEnforce && !p.passes(rep) {
		body = enforceBody(res.StatusCode, rep)
		res.StatusCode = http.StatusBadGateway
		res.Status = "502 Bad Gateway"
		for _, h := range []string{"Content-Encoding", "Etag", "Last-Modified", "Content-Range", "Accept-Ranges"} {
			res.Header.Del(h)
		}
		res.Header.Set("Content-Type", "application/json")
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Set("Content-Length", strconv.Itoa(len(body)))
	res.TransferEncoding = nil
	return nil
}

// unchecked tells whether res is a step of HTTP rather than an answer of
// the operation, passed on exactly as the target sent it (no check, no
// recording, no Taskmock-Violations header): a 1xx (an interim answer, or
// 101 whose body is the upgraded connection), a 304 Not Modified (the
// client's cached copy, checked when it came, is still current, and the
// headers of a 304 update that copy's), or the answer to a HEAD request.
// A 204 No Content is an answer: the contracts document none, so it is
// checked, and enforce mode replaces it.
func unchecked(res *http.Response) bool {
	return res.StatusCode < 200 || res.StatusCode == http.StatusNotModified || res.Request.Method == http.MethodHead
}

// passes tells whether enforce mode lets a response through: a documented
// error answer (rule error-response: an Oracle 401 or 404, an ArcGIS error
// envelope) is the server's answer to the client and passes when nothing
// else is wrong with it.
func (p *Proxy) passes(rep contract.Report) bool {
	rest := rep
	rest.Violations = nil
	for _, v := range rep.Violations {
		if v.Rule != contract.RuleErrorResponse {
			rest.Violations = append(rest.Violations, v)
		}
	}
	return rest.Passed(p.strict)
}

func (p *Proxy) log(api specs.Name, out *http.Request, rep contract.Report) {
	path := secrets.Collect(out.URL.String(), nil, nil).Redact(out.URL.Path)
	if len(rep.Violations) == 0 {
		p.logger.Info("response conforms", slog.String("api", string(api)), slog.String("method", out.Method),
			slog.String("path", path), slog.Int("status", rep.Status))
		return
	}
	for _, v := range rep.Violations {
		p.logger.Warn("violation", slog.String("api", string(api)), slog.String("method", out.Method),
			slog.String("path", path), slog.Int("status", rep.Status), slog.String("severity", string(v.Severity)),
			slog.String("rule", string(v.Rule)), slog.String("location", v.Location), slog.String("message", v.Message))
	}
}

// Summary is the Taskmock-Violations value of a report: "none", or the
// counts and the first few violations as RULE at LOCATION.
func Summary(rep contract.Report) string {
	if len(rep.Violations) == 0 {
		return "none"
	}
	const shown = 5
	parts := make([]string, 0, shown)
	for i, v := range rep.Violations {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(rep.Violations)-shown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s %s", v.Severity, v.Rule, v.Location))
	}
	s := fmt.Sprintf("%s, %s: %s", count(rep.Errors(), "error"), count(rep.Warnings(), "warning"), strings.Join(parts, "; "))
	// A header value is one line of printable ASCII.
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// enforceBody is the body of the 502 of enforce mode.
func enforceBody(upstream int, rep contract.Report) []byte {
	type violation struct {
		Severity contract.Severity `json:"severity"`
		Rule     contract.Rule     `json:"rule"`
		Location string            `json:"location"`
		Message  string            `json:"message"`
	}
	doc := struct {
		Error          string      `json:"error"`
		API            specs.Name  `json:"api"`
		UpstreamStatus int         `json:"upstreamStatus"`
		Violations     []violation `json:"violations"`
	}{Error: "taskmock proxy: the response of the target violates the contract", API: rep.API, UpstreamStatus: upstream}
	for _, v := range rep.Violations {
		doc.Violations = append(doc.Violations, violation{v.Severity, v.Rule, v.Location, v.Message})
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return append(b, '\n')
}
