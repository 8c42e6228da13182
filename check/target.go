package check

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/taskmock/taskmock/internal/reqcheck"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// A Target is one request to make: a documented operation of a task API,
// at a URL. Build it with EsriTarget or the Oracle constructors, which
// name it (Source) with its credentials redacted.
type Target struct {
	API       specs.Name
	Operation specs.Operation
	Method    string
	URL       string
	// Form is the form body of an Esri POST; Body the JSON body of an
	// Oracle POST. At most one is set.
	Form   url.Values
	Body   []byte
	Header http.Header
	// Source names the request in reports: "METHOD URL", credentials
	// redacted.
	Source string
}

// EsriTarget builds the request of an Esri operation at the service root
// base: f=json, the ids given and the extra parameters in the query (GET)
// or a form body (POST), the token beside them. A base that is already the
// URL of an operation is taken as it is, if it is op's.
func EsriTarget(base *url.URL, method string, op specs.Operation, groupID, opID string, extra url.Values, token string, hdr http.Header, red *secrets.Set) (Target, error) {
	u := *base
	if r, ok := specs.MatchPath(u.EscapedPath()); ok && r.API == specs.Esri {
		if r.Operation.ID != op.ID {
			return Target{}, fmt.Errorf("--base-url is the URL of %s, not of %s: give the service root, or the URL of %s", r.Operation.ID, op.ID, op.ID)
		}
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + op.Path
		u.RawPath = ""
	}
	params := u.Query()
	params.Set("f", "json")
	shown := url.Values{}
	if groupID != "" {
		params.Set("taskGroupJobId", groupID)
		shown.Set("taskGroupJobId", groupID)
	}
	if opID != "" {
		params.Set("taskOperationId", opID)
		shown.Set("taskOperationId", opID)
	}
	for name, vs := range extra {
		params[name] = vs
		shown[name] = vs
	}
	if token != "" {
		red.Add(token)
		params.Set("token", token)
	}
	t := Target{API: specs.Esri, Operation: op, Method: method, Header: hdr.Clone()}
	if method == http.MethodPost {
		u.RawQuery = ""
		t.Form = params
		t.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		t.Source = red.Redact(method + " " + u.String() + " " + shown.Encode())
	} else {
		u.RawQuery = params.Encode()
		t.Source = method + " " + red.RedactURL(u.String())
	}
	t.URL = u.String()
	return t, nil
}

// OracleRoot splits an Oracle base URL into the root the API's path is
// appended to and, for a task URL (…/process/api/v1/tasks/ID), its id.
func OracleRoot(base *url.URL) (root *url.URL, id string) {
	u := *base
	u.RawQuery, u.Fragment = "", ""
	p := u.EscapedPath()
	prefix := "/process/api/v1/tasks"
	if i := strings.Index(p, prefix); i >= 0 {
		rest := strings.Trim(p[i+len(prefix):], "/")
		p = p[:i]
		if rest != "" && !strings.Contains(rest, "/") {
			id, _ = url.PathUnescape(rest)
		}
	}
	r, err := url.Parse(u.Scheme + "://" + u.Host + strings.TrimSuffix(p, "/"))
	if err != nil {
		return &u, id
	}
	return r, id
}

// OracleTarget is the GET of Get a Task for one id; grouped asks for
// totalResultsGrouped=true.
func OracleTarget(root *url.URL, id string, grouped bool, hdr http.Header, red *secrets.Set) Target {
	u := root.String() + "/process/api/v1/tasks/" + url.PathEscape(id)
	if grouped {
		u += "?totalResultsGrouped=true"
	}
	return Target{API: specs.Oracle, Operation: oracleOp(specs.OpGetTask), Method: http.MethodGet, URL: u,
		Header: hdr.Clone(), Source: http.MethodGet + " " + red.RedactURL(u)}
}

// OracleReassignTarget is the POST of Reassign a Task for one id, with
// its JSON body.
func OracleReassignTarget(root *url.URL, id string, body []byte, hdr http.Header, red *secrets.Set) Target {
	u := root.String() + "/process/api/v1/tasks/" + url.PathEscape(id) + "/reassign"
	return jsonTarget(oracleOp(specs.OpReassignTask), u, body, hdr, red)
}

// OracleBulkTarget is the POST of Reassign Tasks, with its JSON body.
func OracleBulkTarget(root *url.URL, body []byte, hdr http.Header, red *secrets.Set) Target {
	u := root.String() + "/process/api/v1/tasks/reassign"
	return jsonTarget(oracleOp(specs.OpReassignTasks), u, body, hdr, red)
}

func jsonTarget(op specs.Operation, u string, body []byte, hdr http.Header, red *secrets.Set) Target {
	t := Target{API: specs.Oracle, Operation: op, Method: http.MethodPost, URL: u, Body: body, Header: hdr.Clone(),
		Source: http.MethodPost + " " + red.RedactURL(u)}
	t.Header.Set("Content-Type", "application/json")
	return t
}

// oracleOp is a documented Oracle operation, by id.
func oracleOp(id string) specs.Operation {
	api, err := specs.Get(string(specs.Oracle))
	if err != nil {
		panic(err) // the embedded documents are parsed by specs' own tests
	}
	op, err := api.Operation(id)
	if err != nil {
		panic(err)
	}
	return op
}

// A RequestError says how a target's request departs from its operation's
// documentation: Problems name each field (a parameter, "body" or
// "body.member") and what is wrong with it.
type RequestError struct {
	Operation string
	Problems  []Problem
}

// A Problem is one field of a request that departs from the documentation.
type Problem struct {
	Field   string
	Message string
}

func (e *RequestError) Error() string {
	var msgs []string
	for _, p := range e.Problems {
		msgs = append(msgs, p.Field+": "+p.Message)
	}
	return "the request does not fit " + e.Operation + ": " + strings.Join(msgs, "; ")
}

// CheckRequest checks t's request against its operation's documentation
// before anything is sent, by the same spec-driven validation as the
// mock's, so that a mistyped parameter or body is caught before a real
// server acts on it. It returns a *RequestError, its messages redacted
// with red, or nil.
func CheckRequest(t Target, red *secrets.Set) error {
	rc, err := reqcheck.New()
	if err != nil {
		return fmt.Errorf("cannot build the request checker: %w", err)
	}
	var body io.Reader
	switch {
	case t.Form != nil:
		body = strings.NewReader(t.Form.Encode())
	case t.Body != nil:
		body = bytes.NewReader(t.Body)
	}
	req, err := http.NewRequest(t.Method, t.URL, body)
	if err != nil {
		return fmt.Errorf("the request cannot be built: %s", red.Redact(err.Error()))
	}
	req.Header = t.Header.Clone()
	problems := rc.Check(t.API, t.Operation.ID, req)
	if len(problems) == 0 {
		return nil
	}
	re := &RequestError{Operation: t.Operation.ID}
	for _, p := range problems {
		re.Problems = append(re.Problems, Problem{Field: p.Field, Message: red.Redact(p.Message)})
	}
	return re
}
