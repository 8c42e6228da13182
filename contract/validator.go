package contract

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
	"sync"
	"unicode/utf8"

	"github.com/pb33f/libopenapi-validator/config"

	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// RuleUnknownAPI is reported when an exchange names no API of the registry.
const RuleUnknownAPI Rule = "unknown-api"

// RuleUnknownOperation is reported when an exchange names an operation the
// API's registry entry does not list.
const RuleUnknownOperation Rule = "unknown-operation"

// Validator checks exchanges of the two APIs against the embedded documents
// and the rule table. Build one with New and share it: it is safe for
// concurrent use, and compiles every schema once.
type Validator struct {
	strict bool
	apis   map[specs.Name]*apiModel
}

// Option configures a Validator.
type Option func(*Validator)

// Strict makes properties the documentation does not list errors instead
// of warnings.
func Strict(on bool) Option { return func(v *Validator) { v.strict = on } }

// Strict reports whether the Validator was made with Strict(true): then a
// warning, too, fails a response (Report.Passed(true)).
func (v *Validator) Strict() bool { return v.strict }

// New returns a Validator of the embedded documents of every API, compiled
// once per process.
// An error means an embedded document is broken: a bug in taskmock.
func New(opts ...Option) (*Validator, error) {
	models, err := compiledModels()
	if err != nil {
		return nil, err
	}
	v := &Validator{apis: models}
	for _, o := range opts {
		o(v)
	}
	return v, nil
}

// compiledModels compiles the documents once per process: the models are
// read-only once built, so every Validator shares them (a command, a
// test, a proxy each build validators, and compiling costs far more than
// validating).
var compiledModels = sync.OnceValues(func() (map[specs.Name]*apiModel, error) {
	vopts := config.NewValidationOptions(
		config.WithFormatAssertions(),
		config.WithCustomFormat(FormatEsriDateTime, checkEsriDateTime),
		config.WithCustomFormat(FormatOracleDateTime, checkOracleDateTime),
	)
	schemas := map[specs.Name][]string{
		specs.Esri:   {esriSuccessSchema, esriErrorSchema, esriUpdateSchema, esriExecuteSchema, esriNextSchema, esriGroupsSchema},
		specs.Oracle: {oracleTaskSchema, oracleErrorSchema, oracleBulkSchema},
	}
	models := map[specs.Name]*apiModel{}
	for _, api := range specs.All() {
		m, err := compileAPI(api, vopts, schemas[api.Name]...)
		if err != nil {
			return nil, fmt.Errorf("contract: %w", err)
		}
		models[api.Name] = m
	}
	return models, nil
})

// check collects the violations of one exchange.
type check struct {
	v    *Validator
	m    *apiModel
	om   *opModel
	ex   Exchange
	out  []Violation
	body []Violation // body violations, sorted by location before they join out
	// arena lends the maps and slices of the decoded body; see check.decode.
	arena *treeArena
}

func (c *check) add(sev Severity, rule Rule, loc, format string, args ...any) {
	c.out = append(c.out, Violation{API: c.m.api.Name, Severity: sev, Rule: rule, Location: loc, Message: fmt.Sprintf(format, args...)})
}

func (c *check) addBody(sev Severity, rule Rule, loc, format string, args ...any) {
	c.body = append(c.body, Violation{API: c.m.api.Name, Severity: sev, Rule: rule, Location: loc, Message: fmt.Sprintf(format, args...)})
}

// Validate checks one exchange and returns its report. It never panics on
// any input; an exchange of an unknown API gives a report with one error.
func (v *Validator) Validate(ex Exchange) Report {
	status := ex.Status
	if status == 0 {
		status = http.StatusOK
	}
	rep := Report{API: ex.API, Status: status}
	m, ok := v.apis[ex.API]
	if !ok {
		rep.Violations = []Violation{{API: ex.API, Severity: SeverityError, Rule: RuleUnknownAPI, Location: "api",
			Message: fmt.Sprintf("expected an API of the registry (esri, oracle), found %q", ex.API)}}
		return rep
	}
	// The credentials the body may echo are hidden before it is read, so
	// that no message quotes one, whole or cut short.
	var hide *secrets.Set
	if set := ex.Credentials(); set != nil {
		ex.Body = set.RedactBytes(ex.Body)
		hide = set
	}
	om, err := m.operationOf(&ex)
	if err != nil {
		rep.Violations = []Violation{{API: ex.API, Severity: SeverityError, Rule: RuleUnknownOperation, Location: "operation", Message: "expected an operation of the registry: " + err.Error()}}
		return rep
	}
	rep.Operation = om.op.ID
	c := &check{v: v, m: m, om: om, ex: ex}
	if _, ok := om.statuses[status]; !ok {
		c.add(SeverityError, RuleStatusUndocumented, "status", "expected a status documented for %s (%s), found %d", om.operation, om.documented(), status)
	} else {
		switch ex.API {
		case specs.Esri:
			c.esri()
		case specs.Oracle:
			c.oracle(status)
		}
	}
	if c.arena != nil {
		c.arena.release()
		c.arena = nil
	}
	slices.SortStableFunc(c.body, func(a, b Violation) int {
		if a.Location != b.Location {
			return strings.Compare(a.Location, b.Location)
		}
		if a.Rule != b.Rule {
			return strings.Compare(string(a.Rule), string(b.Rule))
		}
		return strings.Compare(a.Message, b.Message)
	})
	// Two schema paths to one value (an object type beside its $ref'd
	// members, say) can report the same violation twice: once is enough.
	c.body = slices.Compact(c.body)
	rep.Violations = append(c.out, c.body...)
	if rep.Violations == nil {
		rep.Violations = []Violation{}
	}
	if hide != nil {
		// What the body could not carry: a credential split by an escape
		// the decoder undid, quoted whole in a message.
		for i := range rep.Violations {
			rep.Violations[i].Message = hide.Redact(rep.Violations[i].Message)
			rep.Violations[i].Location = hide.Redact(rep.Violations[i].Location)
		}
	}
	return rep
}

// operationOf returns the operation of an exchange: the one it names, else
// the one its request's method and URL name, else getTask.
func (m *apiModel) operationOf(ex *Exchange) (*opModel, error) {
	if ex.Operation != "" {
		op, err := m.api.Operation(ex.Operation)
		if err != nil {
			return nil, err
		}
		return m.ops[op.ID], nil
	}
	if r := ex.Request; r != nil {
		var rt specs.Route
		var ok bool
		if r.Method == "" {
			rt, ok = specs.MatchPath(r.URL)
		} else {
			rt, ok = specs.Match(r.Method, r.URL)
		}
		if ok && rt.API == m.api.Name {
			return m.ops[rt.Operation.ID], nil
		}
	}
	return m.ops[specs.OpGetTask], nil
}

// expected says what a successful answer of the operation is, for
// messages: "a task" for getTask.
func (c *check) expected() string {
	if c.om.op.ID == specs.OpGetTask {
		return "a task"
	}
	return "a successful " + c.om.op.ID + " response"
}

// Credentials returns the credentials an exchange's body may echo: those
// of its request (URL, header, form, body), the Set-Cookie values of its
// response and ex.Secrets; nil when there are none, without allocating.
// Validate hides them in the body before it reads it; a caller that shows
// the body itself (a report) hides the same with Credentials().RedactBytes.
func (ex *Exchange) Credentials() *secrets.Set {
	var req *secrets.Set
	if r := ex.Request; r != nil {
		req = r.Secrets()
	}
	var res *secrets.Set
	if ex.Header != nil && len(ex.Header["Set-Cookie"]) > 0 {
		res = secrets.Collect("", http.Header{"Set-Cookie": ex.Header["Set-Cookie"]}, nil)
	}
	return secrets.Union(ex.Secrets, req, res)
}

// decode parses a JSON body, keeping numbers exact. Trailing data after the
// value is an error. The fast decoder handles the bodies it is sure of, with
// its maps and slices lent by a when a is not nil (see treeArena);
// encoding/json handles the rest and words every error.
//
// No body nested deeper than jsonlimit.DefaultMaxDepth is decoded: the fast
// decoder declines it, and jsonlimit.Check then returns its *jsonlimit.Error
// (errors.Is jsonlimit.ErrTooDeep) before encoding/json is asked. So neither
// decoder, nor any walker of the tree (the schema, shape.undeclared, the
// semantic rules), recurses deeper than that, whatever the input.
func decode(body []byte, a *treeArena) (any, error) {
	if v, ok := fastDecode(body, a); ok {
		return v, nil
	}
	if err := jsonlimit.Check(body, jsonlimit.Limits{MaxBytes: -1}); err != nil {
		return nil, err
	}
	return decodeStd(body)
}

// decodeFailed adds the violation of a body that could not be decoded: too
// deep to walk (body-too-deep, an error), or not JSON (body-not-json, of
// severity sev). expected says what was expected, such as "a JSON object".
func (c *check) decodeFailed(err error, sev Severity, expected string) {
	if errors.Is(err, jsonlimit.ErrTooDeep) {
		c.add(SeverityError, RuleBodyTooDeep, "body", "expected %s, found %v: not checked further", expected, err)
		return
	}
	c.add(sev, RuleBodyNotJSON, "body", "expected %s, found %v", expected, err)
}

// decode decodes a body of the exchange. The tree lives until Validate
// returns, when its maps and slices go back to a treeArena: nothing kept in
// the report may refer to them, which holds because violations keep only
// strings.
func (c *check) decode(body []byte) (any, error) {
	if c.arena == nil {
		c.arena = treeArenas.Get().(*treeArena)
	}
	if v, ok := fastDecode(body, c.arena); ok {
		return v, nil
	}
	v, err := decode(body, nil)
	if err == nil {
		c.ambiguous(body)
	}
	return v, err
}

// ambiguous adds the violations of JSON that parsers read differently,
// which the fast decoder declines: bytes that are not UTF-8 (encoding/json
// reads U+FFFD, others refuse the body) and a member given twice (the
// last one counts here, the first elsewhere).
func (c *check) ambiguous(body []byte) {
	if !utf8.Valid(body) {
		at := 0
		for at < len(body) {
			r, size := utf8.DecodeRune(body[at:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			at += size
		}
		c.add(SeverityError, RuleBodyNotUTF8, "body", "expected UTF-8, found the byte 0x%02x at byte %d", body[at], at+1)
	}
	if at, ok := jsonlimit.Duplicate(body); ok {
		c.add(SeverityError, RuleBodyDuplicate, at, "expected each member once, found it twice: parsers differ on which counts")
	}
}

// decodeStd is decode with encoding/json only.
func decodeStd(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(err, body)
	}
	// Anything but white space after the value is an error, a stray } or ]
	// included.
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(body[end:], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("data after the JSON value at byte %d", len(body)-len(rest)+1)
	}
	return v, nil
}

func jsonError(err error, body []byte) error {
	var se *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return fmt.Errorf("an empty body")
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case err.Error() == "unexpected EOF":
		return fmt.Errorf("truncated JSON (unexpected end of input at byte %d)", len(body))
	}
	return err
}

// mediaType returns the media type of the Content-Type header, lower case,
// and whether a Content-Type header was present.
func (c *check) mediaType() (string, bool) {
	if c.ex.Header == nil {
		return "", false
	}
	ct := c.ex.Header.Get("Content-Type")
	if ct == "" {
		return "", true
	}
	if plainMediaType(ct) {
		return ct, true // what mime.ParseMediaType returns, without its allocations
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])), true
	}
	return mt, true
}

// plainMediaType reports whether ct is a lower-case type/subtype with no
// parameters or spaces, such as application/json.
func plainMediaType(ct string) bool {
	slash := -1
	for i := 0; i < len(ct); i++ {
		switch c := ct[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '+', c == '.':
		case c == '/' && slash < 0:
			slash = i
		default:
			return false
		}
	}
	return slash > 0 && slash < len(ct)-1
}

// param returns a request parameter from the query or the form body.
func (c *check) param(name string) (string, bool) {
	r := c.ex.Request
	if r == nil {
		return "", false
	}
	if vs, ok := r.Form[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	if u, err := url.Parse(r.URL); err == nil {
		if q := u.Query(); q.Has(name) {
			return q.Get(name), true
		}
	}
	return "", false
}

// jsonpCallback matches a JSONP wrapper such as `cb({...});` and captures
// the JSON inside it.
var jsonpCallback = regexp.MustCompile(`(?s)^\s*(?:/\*\*/\s*)?[A-Za-z_$][A-Za-z0-9_$.]*\s*\((.*)\)\s*;?\s*$`)

func (c *check) esri() {
	f, known := c.param("f")
	f = strings.ToLower(strings.TrimSpace(f))
	if c.ex.Request != nil && !known {
		f = "html" // the documented default
	}
	callback, _ := c.param("callback")
	mt, hasHeader := c.mediaType()
	body := c.ex.Body
	isHTML := mt == "text/html" || mt == "application/xhtml+xml"

	switch {
	case f == "html":
		if hasHeader && !isHTML {
			c.add(SeverityError, RuleContentType, "header/Content-Type", "expected text/html for f=html, found %s", orNone(mt))
		}
		return // the Services Directory page is not described by a schema
	case f == "json" && identifier.MatchString(callback):
		// JSONP. A callback that is not a plain identifier is not honoured
		// by a careful server, which answers plain JSON instead.
		if hasHeader && !isJavaScript(mt) {
			c.add(SeverityError, RuleContentType, "header/Content-Type", "expected a JavaScript content type for f=json with callback, found %s", orNone(mt))
		}
		m := jsonpCallback.FindSubmatch(body)
		if m == nil {
			c.add(SeverityError, RuleBodyNotJSON, "body", "expected a JSONP body %s(...) for callback, found something else", safeIdent(callback))
			return
		}
		body = m[1]
	case f == "json" || f == "pjson":
		if hasHeader && mt != "application/json" && mt != "text/plain" {
			c.add(SeverityError, RuleContentType, "header/Content-Type", "expected application/json or text/plain for f=%s, found %s", f, orNone(mt))
		}
	default: // f unknown: the request was not recorded
		if isHTML {
			return
		}
		if hasHeader && mt != "application/json" && mt != "text/plain" && !isJavaScript(mt) {
			c.add(SeverityError, RuleContentType, "header/Content-Type", "expected application/json or text/plain, found %s", orNone(mt))
		}
		if isJavaScript(mt) {
			if m := jsonpCallback.FindSubmatch(body); m != nil {
				body = m[1]
			}
		}
	}

	data, err := c.decode(body)
	if err != nil {
		c.decodeFailed(err, SeverityError, "a JSON object")
		return
	}
	obj, isObj := data.(map[string]any)
	op := c.om.op.ID
	if isObj {
		if _, isErr := obj["error"]; isErr {
			if op == specs.OpHasNextTask {
				// The page's response syntax holds its own error object.
				c.schema(esriNextSchema, data, SeverityError)
			} else {
				c.schema(esriErrorSchema, data, SeverityError)
			}
			c.esriErrorEnvelope(obj)
			return
		}
	}
	switch op {
	case specs.OpUpdateTask:
		c.schema(esriUpdateSchema, data, SeverityError)
		if isObj {
			c.esriSuccessFalse(obj)
			c.taskIdentity(obj, "/"+esriIdentity, esriIdentity)
		}
	case specs.OpExecuteTaskJob:
		c.schema(esriExecuteSchema, data, SeverityError)
		if isObj {
			c.esriSuccessFalse(obj)
			c.esriJobIdentity(obj)
		}
	case specs.OpHasNextTask:
		c.schema(esriNextSchema, data, SeverityError)
		if isObj {
			c.esriSuccessFalse(obj)
			c.esriNextTask(obj)
		}
	case specs.OpGetTaskGroups:
		c.schema(esriGroupsSchema, data, SeverityError)
		if isObj {
			c.esriSuccessFalse(obj)
			c.esriTaskGroups(obj)
		}
	default:
		c.schema(esriSuccessSchema, data, SeverityError)
		if isObj {
			if task, ok := obj["task"].(map[string]any); ok {
				c.taskIdentity(task, "/task/"+esriIdentity, esriIdentity)
			}
			c.esriSemantics(obj)
		}
	}
}

func isJavaScript(mt string) bool {
	switch mt {
	case "application/javascript", "text/javascript", "application/x-javascript", "application/ecmascript", "text/ecmascript":
		return true
	}
	return false
}

func orNone(mt string) string {
	if mt == "" {
		return "none"
	}
	return mt
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$`)

// safeIdent returns s if it is a plain identifier, else a placeholder, so a
// message never reflects arbitrary input.
func safeIdent(s string) string {
	if identifier.MatchString(s) {
		return s
	}
	return "NAME"
}

// schema validates data against a component schema and adds its violations,
// then reports the properties the schema does not declare.
func (c *check) schema(name string, data any, sev Severity) {
	bs := c.m.schemas[name]
	for _, v := range schemaViolations(bs, data, sev) {
		v.API = c.m.api.Name
		c.body = append(c.body, v)
	}
	unknownSev := SeverityWarning
	if c.v.strict {
		unknownSev = SeverityError
	}
	var path [16]string
	bs.shape.undeclared(data, path[:0], func(ptr, prop string) {
		c.addBody(unknownSev, RuleUnknownField, ptr, "property %q is not in the documented schema", prop)
	})
}

func (c *check) esriErrorEnvelope(obj map[string]any) {
	e, _ := obj["error"].(map[string]any)
	code := ""
	for _, k := range []string{"code", "extendedCode"} {
		if n, ok := e[k].(json.Number); ok {
			code = n.String()
			break
		}
	}
	msg, _ := e["message"].(string)
	text := "the server answered with an ArcGIS error"
	if code != "" {
		text += " " + code
	}
	if msg != "" {
		text += ": " + truncate(msg, 200)
	}
	if details, ok := e["details"].([]any); ok {
		var ds []string
		for _, d := range details {
			if s, ok := d.(string); ok && s != "" {
				ds = append(ds, truncate(s, 120))
			}
		}
		if len(ds) > 0 {
			text += " (" + strings.Join(ds, "; ") + ")"
		}
	}
	c.addBody(SeverityError, RuleErrorResponse, "/error", "expected %s, found an error envelope: %s", c.expected(), text)
}

func (c *check) oracle(status int) {
	mt, hasHeader := c.mediaType()
	body := c.ex.Body
	if status >= 400 {
		c.oracleError(status, mt, hasHeader)
		return
	}
	switch c.om.op.ID {
	case specs.OpReassignTask:
		// 204: successful operation, no content.
		if n := len(bytes.TrimSpace(body)); n > 0 {
			c.add(SeverityError, RuleBodyNotEmpty, "body", "expected no content with %d, found a body of %d bytes", status, len(body))
		}
		return
	}
	bulk := c.om.op.ID == specs.OpReassignTasks
	schema, what := oracleTaskSchema, "a JSON Task object"
	if bulk {
		schema, what = oracleBulkSchema, "a JSON BulkReassignResponse object"
	}
	if hasHeader && mt != "application/json" {
		c.add(SeverityError, RuleContentType, "header/Content-Type", "expected application/json, found %s", orNone(mt))
	}
	data, err := c.decode(body)
	if err != nil {
		c.decodeFailed(err, SeverityError, what)
		return
	}
	c.schema(schema, data, SeverityError)
	obj, ok := data.(map[string]any)
	switch {
	case ok && bulk:
		c.oracleBulk(obj)
	case ok:
		c.taskIdentity(obj, "/"+oracleIdentity, oracleIdentity)
		c.oracleSemantics(obj)
	}
}

// oracleError checks a documented error answer. The error body is not
// documented for this operation, so departures from its usual shape are
// warnings; the error itself is reported so that a check fails loudly.
func (c *check) oracleError(status int, mt string, hasHeader bool) {
	text := fmt.Sprintf("the server answered %d %s", status, http.StatusText(status))
	if len(bytes.TrimSpace(c.ex.Body)) > 0 {
		if hasHeader && mt != "application/json" && mt != "application/problem+json" {
			c.add(SeverityWarning, RuleContentType, "header/Content-Type", "expected application/json for an error body, found %s", orNone(mt))
		}
		data, err := c.decode(c.ex.Body)
		if err != nil {
			c.decodeFailed(err, SeverityWarning, "a JSON error body")
		} else {
			c.schema(oracleErrorSchema, data, SeverityWarning)
			if obj, ok := data.(map[string]any); ok {
				for _, k := range []string{"detail", "title", "message", "o:errorCode"} {
					if s, ok := obj[k].(string); ok && s != "" {
						text += ": " + truncate(s, 200)
						break
					}
				}
			}
		}
	}
	switch status {
	case http.StatusUnauthorized:
		text += " (the credentials were refused)"
	case http.StatusTooManyRequests:
		if ra := c.ex.Header.Get("Retry-After"); ra != "" {
			if _, err := strconv.Atoi(ra); err == nil {
				text += " (Retry-After: " + ra + "s)"
			}
		}
	}
	c.add(SeverityError, RuleErrorResponse, "status", "expected %s, found an error: %s", c.expected(), text)
}
