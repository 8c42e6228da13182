package reqcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// DefaultMaxBody is the most of a request body Check reads: the mock's own
// limit on request bodies.
const DefaultMaxBody = 1 << 20

// Problem is one way a request departs from its operation's documentation.
type Problem struct {
	// Field names what is wrong: a parameter's name ("status",
	// "taskGroupJobId"), "body" or a member of a JSON body
	// ("body.identities[0].type"), "path.id", "header.Content-Type" or
	// "method".
	Field string `json:"field"`
	// Message says what was expected and what was found, in one line. It
	// never quotes a credential.
	Message string `json:"message"`
}

// String returns "field: message".
func (p Problem) String() string { return p.Field + ": " + p.Message }

// Checker checks requests against the embedded documents, compiled once.
type Checker struct {
	maxBody int64
	routes  map[key]*routers.Route
}

type key struct {
	api specs.Name
	op  string
}

// Option configures a Checker.
type Option func(*Checker)

// MaxBody sets the most bytes of a body Check reads (DefaultMaxBody when n
// is 0 or less). A longer body is a problem, and is not checked.
func MaxBody(n int64) Option {
	return func(c *Checker) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// New compiles the embedded documents of every API of the registry. An
// error means an embedded document is broken: a bug in taskmock.
func New(opts ...Option) (*Checker, error) {
	c := &Checker{maxBody: DefaultMaxBody, routes: map[key]*routers.Route{}}
	for _, o := range opts {
		o(c)
	}
	for _, api := range specs.All() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.Document())
		if err != nil {
			return nil, fmt.Errorf("reqcheck: %s: %w", api.Filename, err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("reqcheck: %s: %w", api.Filename, err)
		}
		for _, op := range api.Operations {
			item := doc.Paths.Find(op.Path)
			if item == nil {
				return nil, fmt.Errorf("reqcheck: %s: path %s is missing", api.Filename, op.Path)
			}
			// Esri parameters are checked against the GET operation,
			// wherever the request carries them; Oracle operations have
			// one method each.
			method := op.Methods[0]
			operation := item.GetOperation(method)
			if operation == nil {
				return nil, fmt.Errorf("reqcheck: %s: %s %s is missing", api.Filename, method, op.Path)
			}
			c.routes[key{api.Name, op.ID}] = &routers.Route{
				Spec: doc, Path: op.Path, PathItem: item, Method: method, Operation: operation,
			}
		}
	}
	return c, nil
}

// Check checks request r to the operation operationID (a registry id such
// as "updateTask", see specs.Operation) of api, and returns its problems,
// nil when there are none. Parameters and bodies the documentation does not
// list are allowed (ArcGIS clients send f, token and callback everywhere).
//
// For Esri, the parameters may come in the query string, in an
// application/x-www-form-urlencoded or multipart/form-data body, or both.
// For Oracle, the task id is the {id} segment of r's path (or r.PathValue
// of "id"), and a JSON body is checked against its schema.
//
// Check reads at most the Checker's body limit, and leaves r.Body reading
// the same bytes as before, whole. It does not change anything else of r.
func (c *Checker) Check(api specs.Name, operationID string, r *http.Request) []Problem {
	a, err := specs.Get(string(api))
	if err != nil {
		return []Problem{{Field: "api", Message: err.Error()}}
	}
	op, err := a.Operation(operationID)
	if err != nil {
		return []Problem{{Field: "operation", Message: err.Error()}}
	}
	route := c.routes[key{a.Name, op.ID}]
	if !op.Allows(r.Method) {
		return []Problem{{Field: "method", Message: fmt.Sprintf("expected %s for %s, found %s",
			strings.Join(op.Methods, " or "), op.ID, safeToken(r.Method))}}
	}

	body, problem := c.readBody(r)
	if problem != nil {
		return []Problem{*problem}
	}
	var hide *secrets.Set
	var out []Problem
	if a.Name == specs.Esri {
		out, hide = c.esri(route, r, body)
	} else {
		out, hide = c.oracle(route, op, r, body)
	}
	if hide == nil {
		hide = secrets.Collect(r.URL.String(), r.Header, nil)
	}
	for i := range out {
		if hide != nil {
			out[i].Message = hide.Redact(out[i].Message)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// readBody reads at most maxBody+1 bytes of r's body and puts back a body
// that reads the same bytes, then the rest, so that the handler sees the
// body whole. A body longer than the limit is a problem.
func (c *Checker) readBody(r *http.Request) ([]byte, *Problem) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	orig := r.Body
	data, err := io.ReadAll(io.LimitReader(orig, c.maxBody+1))
	r.Body = &restored{Reader: io.MultiReader(bytes.NewReader(data), orig), closer: orig}
	if err != nil {
		return nil, &Problem{Field: "body", Message: "expected a readable body, found a read error: " + err.Error()}
	}
	if int64(len(data)) > c.maxBody {
		return nil, &Problem{Field: "body", Message: fmt.Sprintf("expected a body of at most %d bytes, found a longer one: not checked", c.maxBody)}
	}
	return data, nil
}

// restored is a request body put back after Check read its start.
type restored struct {
	io.Reader
	closer io.Closer
}

func (b *restored) Close() error { return b.closer.Close() }

var opts = &openapi3filter.Options{
	MultiError:          true,
	SkipSettingDefaults: true,
	AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
}

// esri checks the parameters of the query and of a form body together
// against the operation's parameters.
func (c *Checker) esri(route *routers.Route, r *http.Request, body []byte) ([]Problem, *secrets.Set) {
	params := r.URL.Query()
	var out []Problem
	if len(bytes.TrimSpace(body)) > 0 {
		form, p := formValues(r.Header.Get("Content-Type"), body)
		if p != nil {
			out = append(out, *p)
		}
		for k, vs := range form {
			if _, inQuery := params[k]; !inQuery {
				params[k] = vs
			}
		}
	}
	hide := secrets.Collect(r.URL.String(), r.Header, params)
	u := *r.URL
	u.RawQuery = params.Encode()
	shadow := &http.Request{Method: http.MethodGet, URL: &u, Header: r.Header, Body: http.NoBody}
	input := &openapi3filter.RequestValidationInput{Request: shadow, QueryParams: params, Route: route, Options: opts}
	err := openapi3filter.ValidateRequest(context.Background(), input)
	return append(out, problems(err)...), hide
}

// formValues decodes a form body: url-encoded, or multipart (its files are
// left out).
func formValues(contentType string, body []byte) (url.Values, *Problem) {
	mt, params, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil && contentType == "":
		mt = "application/x-www-form-urlencoded" // what ArcGIS servers assume
	case err != nil:
		return nil, &Problem{Field: "header.Content-Type", Message: "expected a form content type, found one that does not parse"}
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return v, &Problem{Field: "body", Message: "expected a url-encoded form, found a malformed one: " + err.Error()}
		}
		return v, nil
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		form, err := mr.ReadForm(int64(len(body)))
		if err != nil {
			return nil, &Problem{Field: "body", Message: "expected a multipart form, found a malformed one"}
		}
		defer form.RemoveAll()
		return url.Values(form.Value), nil
	}
	return nil, &Problem{Field: "header.Content-Type", Message: fmt.Sprintf(
		"expected application/x-www-form-urlencoded or multipart/form-data for parameters in a body, found %s", safeToken(mt))}
}

// oracle checks the path, the query and the JSON body of an Oracle
// operation.
func (c *Checker) oracle(route *routers.Route, op specs.Operation, r *http.Request, body []byte) ([]Problem, *secrets.Set) {
	pathParams := map[string]string{}
	if strings.Contains(op.Path, "{id}") {
		id := ""
		// A gateway may serve the API under a prefix of its own.
		path := r.URL.EscapedPath()
		if i := strings.Index(path, "/process/api/v1/tasks/"); i > 0 {
			path = path[i:]
		}
		if rt, ok := specs.MatchPath(path); ok && rt.Operation.ID == op.ID {
			id = rt.TaskID
		} else {
			id = r.PathValue("id")
		}
		if strings.TrimSpace(id) == "" {
			return []Problem{{Field: "path.id", Message: "expected a task id in the path " + op.Path + ", found none"}}, nil
		}
		pathParams["id"] = id
	}
	shadow := &http.Request{Method: r.Method, URL: r.URL, Header: r.Header, Body: http.NoBody, ContentLength: int64(len(body))}
	if len(body) > 0 {
		shadow.Body = io.NopCloser(bytes.NewReader(body))
	}
	input := &openapi3filter.RequestValidationInput{Request: shadow, PathParams: pathParams, Route: route, Options: opts}
	err := openapi3filter.ValidateRequest(context.Background(), input)
	return problems(err), secrets.Collect(r.URL.String(), r.Header, nil)
}

// problems turns the library's errors into Problems.
func problems(err error) []Problem {
	if err == nil {
		return nil
	}
	var out []Problem
	var walk func(error)
	walk = func(err error) {
		// A MultiError answers errors.As with its first match: walk it
		// before asking.
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var re *openapi3filter.RequestError
		if errors.As(err, &re) {
			out = append(out, requestProblems(re)...)
			return
		}
		out = append(out, Problem{Field: "request", Message: "does not match the documentation"})
	}
	walk(err)
	return out
}

func requestProblems(re *openapi3filter.RequestError) []Problem {
	var field string
	switch {
	case re.Parameter != nil && re.Parameter.In == openapi3.ParameterInQuery:
		field = re.Parameter.Name
	case re.Parameter != nil:
		field = re.Parameter.In + "." + re.Parameter.Name
	case re.RequestBody != nil:
		field = "body"
	default:
		field = "request"
	}
	switch {
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired) && re.Parameter != nil:
		return []Problem{{Field: field, Message: "expected the required parameter, found none"}}
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return []Problem{{Field: field, Message: "expected a body, found none"}}
	case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
		return []Problem{{Field: field, Message: "expected a value, found an empty one"}}
	case re.RequestBody != nil && strings.HasPrefix(re.Reason, "header Content-Type"):
		ct := ""
		if re.Input != nil && re.Input.Request != nil {
			ct, _, _ = mime.ParseMediaType(re.Input.Request.Header.Get("Content-Type"))
		}
		return []Problem{{Field: "header.Content-Type", Message: "expected application/json, found " + orNone(safeToken(ct))}}
	case re.RequestBody != nil && re.Reason == "failed to decode request body":
		return []Problem{{Field: "body", Message: "expected a JSON body, found one that does not parse"}}
	}
	var out []Problem
	var walk func(error)
	walk = func(err error) {
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			// allOf and oneOf keep their members' errors, with full
			// paths, in the error's origin.
			for o := se.Origin; o != nil; o = errors.Unwrap(o) {
				if me, ok := o.(openapi3.MultiError); ok && se.SchemaField == "allOf" {
					walk(me)
					return
				}
			}
			out = append(out, Problem{Field: joinField(field, se.JSONPointer()), Message: schemaMessage(se)})
			return
		}
		var pe *openapi3filter.ParseError
		if errors.As(err, &pe) {
			out = append(out, Problem{Field: field, Message: "expected " + expectedType(re) + ", found a value that is not one"})
			return
		}
		out = append(out, Problem{Field: field, Message: "does not match the documentation"})
	}
	walk(re.Err)
	return out
}

// schemaMessage words a schema error without the value that failed: what
// the schema expects, from the keyword that failed.
func schemaMessage(se *openapi3.SchemaError) string {
	s := se.Schema
	switch se.SchemaField {
	case "enum":
		if s != nil {
			vals := make([]string, len(s.Enum))
			for i, v := range s.Enum {
				vals[i] = fmt.Sprint(v)
			}
			return "expected one of " + strings.Join(vals, ", ") + ", found another value"
		}
	case "type":
		if s != nil && s.Type != nil {
			return "expected " + article(strings.Join(s.Type.Slice(), " or ")) + ", found " + kind(se.Value)
		}
	case "required":
		if _, name, ok := strings.Cut(se.Reason, `"`); ok {
			name, _, _ = strings.Cut(name, `"`)
			return fmt.Sprintf("expected the required member %q, found none", name)
		}
	case "pattern":
		if s != nil {
			return "expected a value matching " + s.Pattern + ", found one that does not"
		}
	}
	if se.Reason != "" {
		return "expected a value the documentation allows: " + se.Reason
	}
	return "does not match the documented schema"
}

// joinField appends a JSON Pointer's tokens to field: object members with
// a dot, array indexes in brackets ("body.identities[0].type").
func joinField(field string, ptr []string) string {
	var b strings.Builder
	b.WriteString(field)
	for _, t := range ptr {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		b.WriteString("." + t)
	}
	return b.String()
}

func expectedType(re *openapi3filter.RequestError) string {
	if re.Parameter != nil && re.Parameter.Schema != nil && re.Parameter.Schema.Value != nil && re.Parameter.Schema.Value.Type != nil {
		return article(strings.Join(re.Parameter.Schema.Value.Type.Slice(), " or "))
	}
	return "a documented value"
}

func article(t string) string {
	switch {
	case t == "":
		return "a value"
	case strings.IndexByte("aeiou", t[0]) >= 0:
		return "an " + t
	}
	return "a " + t
}

// kind names the JSON type of a decoded value, never the value.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case float64, int, int64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "another type"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// safeToken returns s when it is a short HTTP token or media type, else a
// placeholder, so that a message never reflects arbitrary input.
func safeToken(s string) string {
	if len(s) > 64 {
		return "an unrecognized value"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~/", c) >= 0) {
			return "an unrecognized value"
		}
	}
	return s
}
