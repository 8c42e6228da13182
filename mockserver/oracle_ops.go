package mockserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/specs"
)

// The Oracle operations beside Get a Task: Reassign a Task
// (POST /process/api/v1/tasks/{id}/reassign, 204) and Reassign Tasks
// (POST /process/api/v1/tasks/reassign, 200 with the counts), and the
// resources a task's links point to, which Oracle does not document.

// The bounds of a reassign body, beyond which it is refused (HTTP 400):
// enough for any screen, small enough that the world's memory stays
// bounded (MaxWorldBytes).
const (
	maxReassignBody       = 256 << 10 // bytes of a body
	maxReassignIdentities = 100       // identities of one body
	maxReassignComment    = 4000      // bytes of the comment
	maxIdentityField      = 256       // bytes of an identity's id, name, displayName
	maxBulkTasks          = 1000      // taskIds of one bulk body
	maxReassignDepth      = 8         // nesting of the body
)

// oracleAPIPrefix is where every Oracle path lies.
const oracleAPIPrefix = "/process/api/v1/"

// oracleLinkedResources are the resources a task's links name that Oracle
// does not document for Process Automation.
var oracleLinkedResources = []string{"comments", "documents", "payload"}

// oracleOpMethods are the methods of the reassign routes.
const oracleOpMethods = "POST, OPTIONS"

// serveOracleOther answers a path under /process/api/v1/ that is not Get a
// Task: the reassign operations, the undocumented resources a task's links
// point to (501), anything else 404, all in Oracle's error shape.
func (s *Server) serveOracleOther(w http.ResponseWriter, r *http.Request) string {
	path := r.URL.EscapedPath()
	rest := strings.TrimPrefix(path, OraclePrefix)
	switch {
	case path == strings.TrimSuffix(OraclePrefix, "/") || path == OraclePrefix:
		return s.oracleNotImplemented(w, r, "the list of tasks (the parent link): Oracle documents its request but not its response")
	case !strings.HasPrefix(path, OraclePrefix):
		return s.oracleNoRoute(w, r, path)
	case rest == "reassign":
		return s.oracleOp(w, r, "", true)
	}
	seg, tail, _ := strings.Cut(rest, "/")
	id, err := url.PathUnescape(seg)
	if err != nil || id == "" || strings.Contains(tail, "/") {
		return s.oracleNoRoute(w, r, path)
	}
	switch {
	case tail == "reassign":
		return s.oracleOp(w, r, id, false)
	case contains(oracleLinkedResources, tail):
		return s.oracleNotImplemented(w, r, "the "+tail+" of a task: Oracle does not document this resource for Process Automation")
	}
	return s.oracleNoRoute(w, r, path)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// oracleNoRoute answers a path the Oracle API does not have.
func (s *Server) oracleNoRoute(w http.ResponseWriter, r *http.Request, path string) string {
	if r.Method == http.MethodOptions {
		return s.cors.preflight(w, r, oracleMethods)
	}
	s.cors.headers(w.Header(), r)
	p := oracleProblemFor(http.StatusNotFound)
	p.Detail = "No resource at " + quoteValue(path) + ": taskmock answers " + OraclePrefix + "{id}, " + OraclePrefix + "{id}/reassign and " + OraclePrefix + "reassign"
	w.Header().Set("Taskmock-Error", p.Detail)
	writeJSON(w, http.StatusNotFound, p)
	return "oracle.mock.route"
}

// oracleNotImplemented answers a resource a task's links name that Oracle
// does not document: 501, Oracle's error shape, and a Taskmock-Error.
func (s *Server) oracleNotImplemented(w http.ResponseWriter, r *http.Request, what string) string {
	if r.Method == http.MethodOptions {
		return s.cors.preflight(w, r, oracleMethods)
	}
	s.cors.headers(w.Header(), r)
	p := oracleProblemFor(http.StatusNotImplemented)
	p.Detail = "Not implemented by taskmock: " + what + ", so the mock cannot answer it"
	w.Header().Set("Taskmock-Error", p.Detail)
	writeJSON(w, http.StatusNotImplemented, p)
	return "oracle.mock.501"
}

// reassignBody is a reassign body once checked.
type reassignBody struct {
	identities []fixtures.Identity // resolved in the directory
	comment    string
	taskIDs    []string // bulk only
}

// bodyError is a body the mock refuses: the member it names and why.
type bodyError struct{ field, msg string }

func (e *bodyError) Error() string { return e.field + ": " + e.msg }

func bodyErrorf(field, format string, args ...any) *bodyError {
	return &bodyError{field: field, msg: fmt.Sprintf(format, args...)}
}

// oracleOp answers Reassign a Task (id) or Reassign Tasks (bulk).
func (s *Server) oracleOp(w http.ResponseWriter, r *http.Request, id string, bulk bool) string {
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		return s.cors.preflight(w, r, oracleOpMethods)
	default:
		s.cors.headers(w.Header(), r)
		w.Header().Set("Allow", oracleOpMethods)
		p := oracleProblemFor(http.StatusMethodNotAllowed)
		p.Detail = "The method is not allowed: use POST"
		writeJSON(w, http.StatusMethodNotAllowed, p)
		return "oracle.405"
	}
	s.cors.headers(w.Header(), r)
	ctl, err := parseControl(specs.Oracle, r.Header, r.URL.Query())
	if err != nil {
		return s.oracleControlFail(w, err)
	}
	ctl = ctl.only("code", "delay")
	ctl.setApplied(w.Header())
	if resp := s.oracleGate(w, r, ctl); resp != "" {
		return resp
	}
	if !bulk && !wellFormedID(id) {
		return s.oracleFail(w, http.StatusNotFound)
	}
	body, berr := s.readReassign(w, r, bulk)
	if berr != nil {
		return s.oracleBodyFail(w, berr, bulk)
	}
	by := actingUser(r)
	if !bulk {
		gone, err := s.reassign(r, id, body, by)
		if len(gone) > 0 {
			w.Header().Set(EvictedHeader, evictedNames(gone))
		}
		switch {
		case errors.Is(err, errUnknownTask):
			return s.oracleFail(w, http.StatusNotFound)
		case errors.Is(err, fixtures.ErrClosed), errors.Is(err, errStoredTask):
			return s.oracleConflict(w, err)
		case err != nil:
			return s.oracleFail(w, http.StatusInternalServerError)
		}
		w.WriteHeader(http.StatusNoContent)
		return "oracle.op.reassignTask"
	}
	type item struct {
		TaskID       string `json:"taskId"`
		Status       string `json:"status"`
		ErrorMessage string `json:"errorMessage,omitempty"`
	}
	out := struct {
		TotalCount  int    `json:"totalCount"`
		SucessCount int    `json:"sucessCount"` // sic: the vendor's spelling
		FailedCount int    `json:"failedCount"`
		Items       []item `json:"items"`
	}{TotalCount: len(body.taskIDs), Items: make([]item, 0, len(body.taskIDs))}
	var forgotten []taskKey
	for _, tid := range body.taskIDs {
		var err error
		if !wellFormedID(tid) {
			err = errUnknownTask
		} else {
			var gone []taskKey
			gone, err = s.reassign(r, tid, body, by)
			forgotten = append(forgotten, gone...)
		}
		switch {
		case err == nil:
			out.SucessCount++
			out.Items = append(out.Items, item{TaskID: tid, Status: "Success"})
		case errors.Is(err, errUnknownTask):
			out.FailedCount++
			out.Items = append(out.Items, item{TaskID: tid, Status: "Failed", ErrorMessage: "Task not found for given ID"})
		default:
			out.FailedCount++
			out.Items = append(out.Items, item{TaskID: tid, Status: "Failed", ErrorMessage: failureMessage(err)})
		}
	}
	if len(forgotten) > 0 {
		w.Header().Set(EvictedHeader, evictedNames(forgotten))
	}
	writeJSON(w, http.StatusOK, out)
	return "oracle.op.reassignTasks"
}

// errStoredTask is a task the mock serves from a fixture file or the admin
// API: its body is fixed, so it cannot be reassigned.
var errStoredTask = errors.New("the task is served from a fixture file or the admin API, whose body the mock does not change")

// failureMessage is the errorMessage of a bulk item that failed.
func failureMessage(err error) string {
	switch {
	case errors.Is(err, fixtures.ErrClosed):
		return "Task cannot be reassigned: " + strings.TrimPrefix(err.Error(), fixtures.ErrClosed.Error()+": ")
	case errors.Is(err, errStoredTask):
		return "Task cannot be reassigned: " + err.Error()
	}
	return "Internal server error"
}

// reassign reassigns task id as body says, by user by, at the world's
// next tick, and returns the tasks the world forgot to make room.
func (s *Server) reassign(r *http.Request, id string, body *reassignBody, by fixtures.Identity) ([]taskKey, error) {
	k := taskKey{api: specs.Oracle, id: id}
	if _, ok := s.store.get(k); ok {
		return nil, errStoredTask
	}
	return s.world.oracleReassign(k, func(point [2]string, prev *fixtures.Reassignment, at time.Time) (*fixtures.Reassignment, error) {
		now, err := s.gen.Oracle(id, fixtures.Request{State: point[0], Substate: point[1], Reassigned: prev})
		if err != nil {
			return nil, generatorError(err)
		}
		if row, _ := contract.OracleStateByName(now.State); row.Closed || now.State == "WITHDRAWN" || now.State == "FAULTED" {
			return nil, fmt.Errorf("%w: it is %s", fixtures.ErrClosed, now.State)
		}
		re := &fixtures.Reassignment{Identities: body.identities, Comment: body.comment, By: by, Date: at}
		switch {
		case now.OriginalAssignee != nil:
			o := *now.OriginalAssignee
			re.Original = &o
		case now.Assignee != nil:
			o := *now.Assignee
			re.Original = &o
		}
		return re, nil
	})
}

// oracleConflict answers a reassignment the task's story does not allow.
// Oracle documents no status for it: 409, its error shape, and a
// Taskmock-Error saying so.
func (s *Server) oracleConflict(w http.ResponseWriter, err error) string {
	p := oracleProblemFor(http.StatusConflict)
	p.Detail = "Task cannot be reassigned: " + strings.TrimPrefix(err.Error(), fixtures.ErrClosed.Error()+": ")
	w.Header().Set("Taskmock-Error", p.Detail+" (Oracle documents no status for this; taskmock answers 409)")
	writeJSON(w, http.StatusConflict, p)
	return "oracle.mock.409"
}

// oracleBodyFail answers a reassign body the mock refuses: 400 in Oracle's
// shape (documented for the bulk operation, the mock's choice for the
// other), naming the member, and the same line in Taskmock-Error.
func (s *Server) oracleBodyFail(w http.ResponseWriter, err *bodyError, bulk bool) string {
	p := oracleProblemFor(http.StatusBadRequest)
	p.Detail = "Bad request - invalid input: " + err.Error()
	w.Header().Set("Taskmock-Error", err.Error())
	writeJSON(w, http.StatusBadRequest, p)
	if bulk {
		return "oracle.400"
	}
	return "oracle.mock.400"
}

// loneSurrogate tells whether a JSON text escapes half of a UTF-16
// surrogate pair without the other half (Go would read it as U+FFFD, and
// an id would silently change).
func loneSurrogate(raw []byte) bool {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		return rune(v), err == nil
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			r, ok := hex4(i)
			if !ok {
				i++ // a two-character escape
				continue
			}
			switch {
			case r >= 0xD800 && r <= 0xDBFF:
				low, ok := hex4(i + 6)
				if !ok || low < 0xDC00 || low > 0xDFFF {
					return true
				}
				i += 11
			case r >= 0xDC00 && r <= 0xDFFF:
				return true
			default:
				i += 5
			}
		}
	}
	return false
}

// readReassign reads and checks a reassign body: JSON in UTF-8, within
// its bounds, each member spelt as documented and given once, the shape
// the document gives (checked by reqcheck), then the mock's own needs: at
// least one identity, each with an id.
func (s *Server) readReassign(w http.ResponseWriter, r *http.Request, bulk bool) (*reassignBody, *bodyError) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case ct == "":
		return nil, bodyErrorf("header.Content-Type", "expected application/json, found none")
	case err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")):
		return nil, bodyErrorf("header.Content-Type", "expected application/json, found %s", quoteValue(ct))
	case params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8"):
		return nil, bodyErrorf("header.Content-Type", "expected the charset utf-8, found %s", quoteValue(params["charset"]))
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReassignBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, bodyErrorf("body", "larger than %s", jsonlimit.Size(maxReassignBody))
		}
		return nil, bodyErrorf("body", "could not be read")
	}
	if err := jsonlimit.Check(raw, jsonlimit.Limits{MaxDepth: maxReassignDepth, MaxBytes: maxReassignBody}); err != nil {
		return nil, bodyErrorf("body", "%s", err.Error())
	}
	if !utf8.Valid(raw) {
		return nil, bodyErrorf("body", "not valid UTF-8")
	}
	if loneSurrogate(raw) {
		return nil, bodyErrorf("body", `a \uD800-\uDFFF escape without its pair: not a character`)
	}
	if err := strictMembers(raw, bulk); err != nil {
		return nil, err
	}
	checker, err := requestChecker()
	if err != nil {
		return nil, bodyErrorf("body", "cannot be checked")
	}
	op := specs.OpReassignTask
	if bulk {
		op = specs.OpReassignTasks
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if problems := checker.Check(specs.Oracle, op, r); len(problems) > 0 {
		for _, p := range problems {
			if p.Field != "path.id" && p.Field != "method" {
				return nil, bodyErrorf(p.Field, "%s", p.Message)
			}
		}
	}
	var in struct {
		Identities []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"identities"`
		Comment string    `json:"comment"`
		TaskIDs *[]string `json:"taskIds"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, bodyErrorf("body", "not a reassign body: %s", jsonProblem(err))
	}
	out := &reassignBody{comment: in.Comment}
	switch {
	case len(in.Identities) == 0:
		return nil, bodyErrorf("body.identities", "expected at least one identity to reassign to, found none")
	case len(in.Identities) > maxReassignIdentities:
		return nil, bodyErrorf("body.identities", "expected at most %d identities, found %d", maxReassignIdentities, len(in.Identities))
	case len(in.Comment) > maxReassignComment:
		return nil, bodyErrorf("body.comment", "expected at most %d bytes, found %d", maxReassignComment, len(in.Comment))
	}
	for i, id := range in.Identities {
		field := "body.identities[" + strconv.Itoa(i) + "]"
		switch {
		case strings.TrimSpace(id.ID) == "":
			return nil, bodyErrorf(field+".id", "expected the id of a user, group or role, found none")
		case len(id.ID) > maxIdentityField:
			return nil, bodyErrorf(field+".id", "expected at most %d bytes, found %d", maxIdentityField, len(id.ID))
		}
		typ := id.Type
		if typ == "" {
			typ = "USER" // Oracle lists the type without requiring it
		}
		ident, _ := fixtures.DirectoryIdentity(id.ID, typ)
		out.identities = append(out.identities, ident)
	}
	if bulk {
		switch {
		case in.TaskIDs == nil || len(*in.TaskIDs) == 0:
			return nil, bodyErrorf("body.taskIds", "expected the ids of the tasks to reassign, found none")
		case len(*in.TaskIDs) > maxBulkTasks:
			return nil, bodyErrorf("body.taskIds", "expected at most %d task ids, found %d", maxBulkTasks, len(*in.TaskIDs))
		}
		out.taskIDs = *in.TaskIDs
	}
	return out, nil
}

// jsonProblem says in a few words what encoding/json found.
func jsonProblem(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return fmt.Sprintf("%s is %s, expected %s", te.Field, te.Value, te.Type)
	}
	return err.Error()
}

// reassignMembers are the members of a reassign body and of its
// identities, as the document spells them.
var reassignMembers = map[string][]string{
	"":           {"identities", "comment", "taskIds"},
	"identities": {"id", "name", "displayName", "type"},
}

// strictMembers refuses what encoding/json would let through: a member
// given twice in one object, or a documented member spelt in another
// letter case ("Identities", "ID"), which Go would take for the member and
// Oracle would not.
func strictMembers(raw []byte, bulk bool) *bodyError {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		field  string // where, for messages
		parent string // the documented member this object is an item of
		key    bool   // the next token of an object is a member name
	}
	var stack []*frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	var lastKey string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return bodyErrorf("body", "not valid JSON: %s", jsonProblem(err))
		}
		f := top()
		if name, ok := tok.(string); ok && f != nil && f.object && f.key {
			f.key = false
			where := strings.TrimPrefix(f.field+"."+name, ".")
			if f.keys[name] {
				return bodyErrorf("body."+where, "the member is given twice")
			}
			f.keys[name] = true
			lastKey = name
			if known, ok := reassignMembers[f.parent]; ok {
				for _, k := range known {
					if k != name && strings.EqualFold(k, name) && (k != "taskIds" || bulk) {
						return bodyErrorf("body."+where, "expected the member %q (member names are case-sensitive)", k)
					}
				}
			}
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			nf := &frame{object: tok == json.Delim('{'), keys: map[string]bool{}, key: true}
			switch {
			case f == nil:
				nf.parent = ""
			case f.object:
				nf.field = strings.TrimPrefix(f.field+"."+lastKey, ".")
				nf.parent = "-"
				if f.parent == "" && lastKey == "identities" {
					nf.parent = "identities-array"
				}
			default:
				nf.field = f.field + "[]"
				nf.parent = "-"
				if f.parent == "identities-array" {
					nf.parent = "identities"
				}
			}
			stack = append(stack, nf)
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if f := top(); f != nil && f.object {
			f.key = true
		}
	}
	return nil
}

// actingUser is the user a reassignment names as its author: the user the
// bearer token names (a JWT's preferred_username, upn or sub claim, read
// without verification; or the token itself), else the mock's default
// user. Either is looked up in the directory (fixtures.DirectoryUser).
func actingUser(r *http.Request) fixtures.Identity {
	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return fixtures.DirectoryUser("")
	}
	if name := jwtSubject(token); name != "" {
		return fixtures.DirectoryUser(name)
	}
	return fixtures.DirectoryUser(token)
}

// jwtSubject returns the user a JWT names, "" when token is not one.
func jwtSubject(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[1]) > 8<<10 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	for _, c := range []string{"preferred_username", "upn", "sub"} {
		if s, ok := claims[c].(string); ok && s != "" && len(s) <= maxIdentityField {
			return s
		}
	}
	return ""
}
