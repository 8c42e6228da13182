package mockserver

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/taskmock/taskmock/specs"
)

// oracleChaosCodes are the errors WithErrorRate draws for Oracle.
func oracleChaosCodes() []int { return []int{429, 500, 503} }

// oracleMethods are the methods of the task route.
const oracleMethods = "GET, HEAD, OPTIONS"

// maxOracleID bounds the length of a task id, in bytes.
const maxOracleID = 256

// wellFormedID reports whether id can name an Oracle task: valid UTF-8, at
// most maxOracleID bytes, no space or control character. Every well-formed
// id exists (unless a control says otherwise); any other is not found.
func wellFormedID(id string) bool {
	if id == "" || len(id) > maxOracleID || !utf8.ValidString(id) {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// retryAfter is the Retry-After, in seconds, of a 429 or 503 answer.
const retryAfter = "1"

// oracleProblem is the one error body of the Oracle mock, the members of
// the document's ErrorMessage that Oracle's REST APIs use.
type oracleProblem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	ErrorCode string `json:"o:errorCode"`
}

// oracleProblemFor returns the body of an Oracle error status, as the
// embedded document's examples have it.
func oracleProblemFor(status int) oracleProblem {
	p := oracleProblem{Status: status, Title: http.StatusText(status), ErrorCode: strconv.Itoa(status)}
	switch status {
	case http.StatusUnauthorized:
		p.Type = "https://tools.ietf.org/html/rfc7235#section-3.1"
		p.Detail = "The access token is missing, invalid or expired."
	case http.StatusNotFound:
		p.Type = "https://tools.ietf.org/html/rfc7231#section-6.5.4"
		p.Detail = "Task not found for given ID"
	case http.StatusTooManyRequests:
		p.Type = "https://tools.ietf.org/html/rfc6585#section-4"
		p.Detail = "Too many requests"
	case http.StatusServiceUnavailable:
		p.Type = "https://tools.ietf.org/html/rfc7231#section-6.6.4"
		p.Detail = "Too many exceptions or too slow requests"
	case http.StatusMethodNotAllowed:
		p.Type = "https://tools.ietf.org/html/rfc7231#section-6.5.5"
		p.Detail = "The method is not allowed: use GET"
	case http.StatusBadRequest:
		p.Type = "https://tools.ietf.org/html/rfc7231#section-6.5.1"
		p.Detail = "Bad request - invalid input"
	case http.StatusConflict:
		p.Type = "https://tools.ietf.org/html/rfc7231#section-6.5.8"
		p.Detail = "The task cannot take this operation in its state"
	case http.StatusNotImplemented:
		p.Type = "https://tools.ietf.org/html/rfc7231#section-6.6.2"
		p.Detail = "Not implemented"
	default:
		p.Status, p.Title, p.ErrorCode = 500, http.StatusText(500), "500"
		p.Type = "https://tools.ietf.org/html/rfc7231#section-6.6.1"
		p.Detail = "Internal server error"
	}
	return p
}

// serveOracle answers Get a Task for id.
// oracleGate does what every Oracle operation does before its own work:
// the rate limit, the wait (the request's delay and the injected latency),
// the credentials, a forced error code and the injected failures. It
// returns the name of its answer when it has answered, else "".
func (s *Server) oracleGate(w http.ResponseWriter, r *http.Request, ctl control) string {
	if retry, err := s.chaos.admit(); err != nil {
		w.Header().Set("Retry-After", retry)
		s.oracleFail(w, http.StatusTooManyRequests)
		return "oracle.ratelimit"
	}
	if err := wait(w, r, ctl.delay+s.chaos.latency()); err != nil {
		return "oracle.canceled"
	}
	if challenge := s.auth.oracle(r); challenge != "" {
		w.Header().Set("WWW-Authenticate", challenge)
		return s.oracleFail(w, http.StatusUnauthorized)
	}
	if ctl.code != 0 && ctl.code != http.StatusOK {
		if ctl.code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="taskmock"`)
		}
		return s.oracleFail(w, ctl.code)
	}
	if code, ok := s.chaos.failure(oracleChaosCodes()...); ok && ctl.code == 0 {
		s.oracleFail(w, code)
		return "oracle.chaos." + strconv.Itoa(code)
	}
	return ""
}

func (s *Server) serveOracle(w http.ResponseWriter, r *http.Request, id string) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		return s.cors.preflight(w, r, oracleMethods)
	default:
		s.cors.headers(w.Header(), r)
		w.Header().Set("Allow", oracleMethods)
		writeJSON(w, http.StatusMethodNotAllowed, oracleProblemFor(http.StatusMethodNotAllowed))
		return "oracle.405"
	}
	s.cors.headers(w.Header(), r)
	query := s.withNext(r, specs.Oracle, id, r.URL.Query())

	ctl, err := parseControl(specs.Oracle, r.Header, query)
	if err != nil {
		return s.oracleControlFail(w, err)
	}
	ctl.setApplied(w.Header())
	if !isView(r) { // the dashboard's look at a task: no wait, no credential, no chaos
		if resp := s.oracleGate(w, r, ctl); resp != "" {
			return resp
		}
	}
	if !wellFormedID(id) {
		return s.oracleFail(w, http.StatusNotFound)
	}

	t, err := s.oracleTask(r, id, baseURL(r), ctl)
	defer t.release()
	if err != nil {
		if _, ok := errors.AsType[*controlError](err); ok {
			return s.oracleControlFail(w, err)
		}
		if errors.Is(err, errUnknownTask) {
			return s.oracleFail(w, http.StatusNotFound)
		}
		return s.oracleFail(w, http.StatusInternalServerError)
	}
	grouped := false
	if v := query.Get("totalResultsGrouped"); v != "" { // ParseBool("") allocates its error
		grouped, _ = strconv.ParseBool(v)
	}
	if grouped || t.body != nil { // a generated task never has the counts

		body, err := t.object()
		if err != nil {
			return s.oracleFail(w, http.StatusInternalServerError)
		}
		_, hasCounts := body.get("totalResultsGrouped")
		switch {
		case grouped && !hasCounts:
			if body, err = body.with("totalResultsGrouped", s.countsFor(id)); err != nil {
				return s.oracleFail(w, http.StatusInternalServerError)
			}
		case !grouped && hasCounts:
			body = body.without("totalResultsGrouped") // a stored task recorded with the counts
		}
		t.body = body
	}
	b, err := t.compact()
	if err != nil {
		return s.oracleFail(w, http.StatusInternalServerError)
	}
	if t.lang != "" {
		w.Header().Set("Content-Language", t.lang)
	}
	w.Header().Add("Vary", "Accept-Language")
	writeBody(w, http.StatusOK, contentTypeJSON, b)
	return "oracle." + t.source
}

// oracleFail answers an Oracle error status with its body.
func (s *Server) oracleFail(w http.ResponseWriter, status int) string {
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, status, oracleProblemFor(status))
	return "oracle." + strconv.Itoa(status)
}

// oracleControlFail answers a control the mock cannot honour. Oracle
// documents no 400, and this is the mock's error, not the vendor's: HTTP
// 400, the usual error body and a Taskmock-Error header.
func (s *Server) oracleControlFail(w http.ResponseWriter, err error) string {
	p := oracleProblemFor(http.StatusBadRequest)
	p.Detail = "taskmock: " + err.Error()
	p.ErrorCode = "TASKMOCK-CONTROL"
	w.Header().Set("Taskmock-Error", err.Error())
	writeJSON(w, http.StatusBadRequest, p)
	return "oracle.control"
}

// baseURL returns the scheme and host of an Oracle task's links: those of
// oci-original-url when it is an absolute http(s) URL (its path is
// ignored), else the request's scheme (TLS or X-Forwarded-Proto) and Host.
func baseURL(r *http.Request) string {
	if o := r.Header.Get("oci-original-url"); o != "" {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			if scheme := strings.ToLower(u.Scheme); scheme == "http" || scheme == "https" {
				return scheme + "://" + u.Host
			}
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); p != "" {
		if p = strings.ToLower(strings.TrimSpace(p)); p == "http" || p == "https" {
			scheme = p
		}
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}
