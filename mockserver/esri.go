package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// ArcGIS error codes the mock answers besides the HTTP-like ones.
const (
	esriInvalidToken  = 498
	esriTokenRequired = 499
	// esriNoTaskGroup is the Topographic Production error for an unknown
	// task group, sent as extendedCode with "success": false.
	esriNoTaskGroup = -2147211775
)

// esriChaosCodes are the errors WithErrorRate draws for Esri.
func esriChaosCodes() []int { return []int{500} }

// esriMethods are the methods of the getTask route.
const esriMethods = "GET, HEAD, POST, OPTIONS"

// callbackName is the JSONP callback names the mock accepts: a JavaScript
// identifier path such as handleTask or app.tasks.show.
var callbackName = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,127}$`)

// esriError is an ArcGIS REST error.
type esriError struct {
	code     int
	message  string
	details  []string
	extended bool // code goes in extendedCode, with "success": false
}

// envelope returns the error's JSON body.
func (e esriError) envelope() any {
	type body struct {
		Code         *int     `json:"code,omitempty"`
		ExtendedCode *int     `json:"extendedCode,omitempty"`
		Message      string   `json:"message"`
		Details      []string `json:"details"`
	}
	type env struct {
		Error   body  `json:"error"`
		Success *bool `json:"success,omitempty"`
	}
	b := body{Message: e.message, Details: e.details}
	if b.Details == nil {
		b.Details = []string{}
	}
	code := e.code
	if !e.extended {
		b.Code = &code
		return env{Error: b}
	}
	b.ExtendedCode = &code
	f := false
	return env{Error: b, Success: &f}
}

// esriErrorFor returns the error the mock answers for an ArcGIS code.
func esriErrorFor(code int, details ...string) esriError {
	e := esriError{code: code, details: details}
	switch code {
	case 400:
		e.message = "Unable to complete operation."
	case 403:
		e.message = "You do not have permissions to access this resource or perform this operation."
	case 404:
		e.message = "Not Found"
		if len(details) == 0 {
			e.details = []string{"No task found with the specified parameters."}
		}
	case esriInvalidToken:
		e.message = "Invalid token."
	case esriTokenRequired:
		e.message = "Token Required"
	case esriNoTaskGroup:
		e.message = "No task group found with the specified parameters."
		e.extended = true
	case 413:
		e.message = "Request Entity Too Large"
	case http.StatusTooManyRequests:
		e.message = "Too many requests."
		if len(details) == 0 {
			e.details = []string{"The rate limit of the server was exceeded: retry after the seconds of Retry-After."}
		}
	case 405:
		e.message = "Method not allowed."
	default:
		e.code = 500
		e.message = "Error performing getTask operation"
	}
	return e
}

// esriOut is how one Esri request wants its answer.
type esriOut struct {
	format   string // html, json or pjson
	callback string // a valid JSONP callback name, with json only
	groupID  string // the request's ids, for the HTML page's form
	opID     string
	path     string
	op       string // the operation, as its documentation spells it
}

// newEsriOut reads f and callback. An unknown format or an unsafe
// callback name gives an ArcGIS error, answered as plain JSON and never
// reflecting the name.
func newEsriOut(r *http.Request, params url.Values) (esriOut, *esriError) {
	out := esriOut{
		format:  "json",
		groupID: params.Get("taskGroupJobId"),
		opID:    params.Get("taskOperationId"),
		path:    r.URL.Path,
	}
	switch f := strings.ToLower(strings.TrimSpace(params.Get("f"))); f {
	case "", "html":
		out.format = "html" // the documented default
	case "json", "pjson":
		out.format = f
	default:
		e := esriError{code: 400, message: "Invalid format", details: []string{"Supported formats: html, json, pjson"}}
		return out, &e
	}
	if cb := params.Get("callback"); cb != "" && out.format == "json" {
		if !callbackName.MatchString(cb) {
			e := esriErrorFor(400, "Invalid callback: expected a JavaScript function name such as handleTask")
			return out, &e
		}
		out.callback = cb
	}
	return out, nil
}

// serveEsri answers getTask.
func (s *Server) serveEsri(w http.ResponseWriter, r *http.Request) string {
	params, out, ctl, resp, ok := s.esriPrelude(w, r, "getTask")
	if !ok {
		return resp
	}

	id, missing := esriIDs(params)
	if len(missing) > 0 {
		details := make([]string, len(missing))
		for i, m := range missing {
			details[i] = "Invalid or missing input parameters: " + m
		}
		return s.esriFail(w, out, http.StatusOK, esriErrorFor(400, details...), "")
	}

	t, err := s.esriTask(r, id, ctl)
	defer t.release()
	if err != nil {
		if ce, ok := errors.AsType[*controlError](err); ok {
			return s.esriFail(w, out, http.StatusOK, esriErrorFor(400, ce.msg), ce.msg)
		}
		if errors.Is(err, errUnknownTask) {
			return s.esriFail(w, out, http.StatusOK, esriErrorFor(404), "")
		}
		return s.esriFail(w, out, http.StatusOK, esriErrorFor(500), "")
	}
	if t.lang != "" {
		w.Header().Set("Content-Language", t.lang)
	}
	if err := s.esriWrite(w, out, http.StatusOK, t, nil); err != nil {
		return s.esriFail(w, out, http.StatusOK, esriErrorFor(500), "")
	}
	return "esri." + t.source
}

// esriPrelude does what every Esri operation does before its own work:
// methods and CORS, the parameters (query and form), the format, the
// controls of Prefer, the rate limit, the wait, auth, a forced error code
// and injected failures. ok is false when it has answered, with resp the
// name of its answer.
func (s *Server) esriPrelude(w http.ResponseWriter, r *http.Request, op string) (params url.Values, out esriOut, ctl control, resp string, ok bool) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	case http.MethodOptions:
		return nil, out, ctl, s.cors.preflight(w, r, esriMethods), false
	default:
		s.cors.headers(w.Header(), r)
		w.Header().Set("Allow", esriMethods)
		writeJSON(w, http.StatusMethodNotAllowed, esriErrorFor(405).envelope())
		return nil, out, ctl, "esri.405", false
	}
	s.cors.headers(w.Header(), r)

	params, perr := esriParams(w, r)
	out, ferr := newEsriOut(r, params)
	out.op = op
	switch {
	case perr != nil:
		status := http.StatusOK
		if perr.code == 413 {
			status = http.StatusRequestEntityTooLarge
		}
		return params, out, ctl, s.esriFail(w, out, status, *perr, ""), false
	case ferr != nil:
		return params, out, ctl, s.esriFail(w, out, http.StatusOK, *ferr, ""), false
	}

	if name, n := repeatedParam(params); name != "" {
		detail := fmt.Sprintf("Invalid or missing input parameters: %s is given %d times with different values", name, n)
		return params, out, ctl, s.esriFail(w, out, http.StatusOK, esriErrorFor(400, detail), detail), false
	}
	if op == "getTask" {
		params = s.withNext(r, specs.Esri, params.Get("taskOperationId"), params)
	}
	ctl, err := parseControl(specs.Esri, r.Header, params)
	if err != nil {
		return params, out, ctl, s.esriFail(w, out, http.StatusOK, esriErrorFor(400, err.Error()), err.Error()), false
	}
	if op != "getTask" {
		ctl = ctl.only("code", "delay")
	}
	ctl.setApplied(w.Header())
	if isView(r) {
		return params, out, ctl, "", true // the dashboard's look: no wait, no credential, no chaos
	}
	if retry, err := s.chaos.admit(); err != nil {
		w.Header().Set("Retry-After", retry)
		s.esriFail(w, out, http.StatusOK, esriErrorFor(http.StatusTooManyRequests), "")
		return params, out, ctl, "esri.ratelimit", false
	}
	if err := wait(w, r, ctl.delay+s.chaos.latency()); err != nil {
		return params, out, ctl, "esri.canceled", false
	}
	if code := s.auth.esri(r, params); code != 0 {
		return params, out, ctl, s.esriFail(w, out, http.StatusOK, esriErrorFor(code), ""), false
	}
	if ctl.code != 0 && ctl.code != http.StatusOK {
		return params, out, ctl, s.esriFail(w, out, http.StatusOK, esriErrorFor(ctl.code), ""), false
	}
	if code, ok := s.chaos.failure(esriChaosCodes()...); ok && ctl.code == 0 {
		s.esriFail(w, out, http.StatusOK, esriErrorFor(code), "")
		return params, out, ctl, "esri.chaos." + strconv.Itoa(code), false
	}
	return params, out, ctl, "", true
}

// esriParams returns the request's parameters: the query, overlaid by the
// fields of a form-encoded POST body (the form wins). A body that is too
// large or not a form gives an ArcGIS error and the query alone.
func esriParams(w http.ResponseWriter, r *http.Request) (url.Values, *esriError) {
	params := r.URL.Query()
	if r.Method != http.MethodPost {
		return params, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return params, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		e := esriErrorFor(400, "The request body must be application/x-www-form-urlencoded")
		return params, &e
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			e := esriErrorFor(413, "The request body is larger than "+strconv.Itoa(maxFormBytes)+" bytes")
			return params, &e
		}
		e := esriErrorFor(400, "The request body is not a valid form")
		return params, &e
	}
	for k, vs := range r.PostForm {
		params[k] = vs
	}
	return params, nil
}

// repeatedParam returns the first parameter, in name order, given more
// than once with different values, and how many times: ArcGIS would take
// one of them, and a client that sends two has a bug the mock should not
// hide by picking one.
func repeatedParam(params url.Values) (string, int) {
	var names []string
	for k, vs := range params {
		for _, v := range vs[min(1, len(vs)):] {
			if v != vs[0] {
				names = append(names, k)
				break
			}
		}
	}
	if len(names) == 0 {
		return "", 0
	}
	slices.Sort(names)
	return names[0], len(params[names[0]])
}

// esriIDs returns the request's ids, or the names of those missing or not
// GUIDs.
func esriIDs(params url.Values) (esriID, []string) {
	id := esriID{taskGroupJobID: params.Get("taskGroupJobId"), taskOperationID: params.Get("taskOperationId")}
	var bad []string
	if !contract.IsGUID(id.taskGroupJobID) {
		bad = append(bad, "taskGroupJobId")
	}
	if !contract.IsGUID(id.taskOperationID) {
		bad = append(bad, "taskOperationId")
	}
	return id, bad
}

// esriFail answers an ArcGIS error in the requested format. A control error
// (the caller's mistake, not the vendor's) also gets a Taskmock-Error header.
func (s *Server) esriFail(w http.ResponseWriter, out esriOut, status int, e esriError, controlMsg string) string {
	if e.code == 500 && out.op != "" {
		e.message = "Error performing " + out.op + " operation"
	}
	if controlMsg != "" {
		w.Header().Set("Taskmock-Error", controlMsg)
	}
	if err := s.esriWrite(w, out, status, task{}, &e); err != nil {
		http.Error(w, "taskmock: cannot encode the response", http.StatusInternalServerError)
	}
	if controlMsg != "" {
		return "esri.control"
	}
	return "esri.error." + strconv.Itoa(e.code)
}

// esriWrite writes a task response, or the error e, in out's format.
func (s *Server) esriWrite(w http.ResponseWriter, out esriOut, status int, t task, e *esriError) error {
	if out.format == "html" && out.op != "" && out.op != "getTask" {
		writeBody(w, status, contentTypeHTML, esriOpPage(out, t, e))
		return nil
	}
	if out.format == "html" {
		page, err := s.esriPage(out, t, e)
		if err != nil {
			return err
		}
		writeBody(w, status, contentTypeHTML, page)
		return nil
	}
	var b []byte
	var err error
	if e != nil {
		b, err = jsonMarshal(e.envelope(), "")
	} else {
		b, err = t.compact()
	}
	if err != nil {
		return err
	}
	if out.format == "pjson" {
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", " "); err != nil { // as ArcGIS indents pjson
			return err
		}
		b = out.Bytes()
	}
	if out.callback == "" {
		writeBody(w, status, contentTypeJSON, b)
		return nil
	}
	var js bytes.Buffer
	js.WriteString(out.callback)
	js.WriteByte('(')
	js.Write(b)
	js.WriteString(");")
	writeBody(w, status, contentTypeJS, js.Bytes())
	return nil
}

// fieldText renders a JSON value for the HTML page: a string as itself,
// anything else as its JSON text.
func fieldText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
