package mockserver

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/internal/reqcheck"
	"github.com/taskmock/taskmock/specs"
)

// esriServerSegment is the part of every Topographic Production Server
// path after the deployment's prefix.
const esriServerSegment = specs.EsriRoot

// esriOpHandler answers one operation beside getTask from its parameters:
// its body, or its ArcGIS error.
type esriOpHandler func(s *Server, r *http.Request, params url.Values) (any, *esriError)

// esriOps are the handlers of the operations of the registry (specs)
// beside getTask, by operation id.
var esriOps = map[string]esriOpHandler{
	specs.OpUpdateTask:     (*Server).updateTask,
	specs.OpExecuteTaskJob: (*Server).executeTaskJob,
	specs.OpHasNextTask:    (*Server).hasNextTask,
	specs.OpGetTaskGroups:  (*Server).getTaskGroups,
}

// requestChecker is the checker of the operations' requests against the
// documents, compiled on first use and shared by every Server.
var requestChecker = sync.OnceValues(func() (*reqcheck.Checker, error) { return reqcheck.New() })

// isEsriServerPath reports whether path is under a Topographic Production
// Server.
// The segment in any letter case, as the operations' paths are matched.
func isEsriServerPath(path string) bool {
	for i := 0; i+len(esriServerSegment) <= len(path); i++ {
		if strings.EqualFold(path[i:i+len(esriServerSegment)], esriServerSegment) {
			return true
		}
	}
	return false
}

// serveEsriOp answers a path under /TopographicProductionServer/ that is
// not getTask's: an operation of the registry (specs.MatchPath, in any
// letter case), its parameters checked against its document, or an ArcGIS
// error naming the path.
func (s *Server) serveEsriOp(w http.ResponseWriter, r *http.Request) string {
	route, ok := specs.MatchPath(r.URL.Path)
	if ok && route.API == specs.Esri && route.Operation.ID == specs.OpGetTask {
		return s.serveEsri(w, r)
	}
	var serve esriOpHandler
	name := "TopographicProductionServer"
	if ok && route.API == specs.Esri {
		serve, name = esriOps[route.Operation.ID], route.Operation.ID
	}
	var problems []reqcheck.Problem
	if serve != nil && r.Method != http.MethodOptions {
		checker, err := requestChecker()
		if err != nil {
			s.cors.headers(w.Header(), r)
			writeJSON(w, http.StatusOK, esriErrorFor(500).envelope())
			return "esri.500"
		}
		problems = checker.Check(specs.Esri, route.Operation.ID, r)
	}
	params, out, _, resp, ok := s.esriPrelude(w, r, name)
	if !ok {
		return resp
	}
	if serve == nil {
		_, rest, _ := strings.Cut(r.URL.Path, esriServerSegment)
		return s.esriFail(w, out, http.StatusOK, esriErrorFor(400, unknownEsriOp(rest)), "")
	}
	if details := problemDetails(problems); len(details) > 0 {
		return s.esriFail(w, out, http.StatusOK, esriErrorFor(400, details...), "")
	}
	body, e := serve(s, r, params)
	if e != nil {
		return s.esriFail(w, out, http.StatusOK, *e, "")
	}
	b, err := jsonMarshal(body, "")
	if err == nil {
		err = s.esriWrite(w, out, http.StatusOK, task{raw: b}, nil)
	}
	if err != nil {
		return s.esriFail(w, out, http.StatusOK, esriErrorFor(500), "")
	}
	return "esri.op." + name
}

// problemDetails are the details of the ArcGIS error of a request's
// problems, each naming its parameter. The method is the prelude's
// business (HEAD is answered as GET).
func problemDetails(problems []reqcheck.Problem) []string {
	var details []string
	for _, p := range problems {
		switch {
		case p.Field == "method":
		case strings.HasPrefix(p.Message, "expected the required parameter"):
			details = append(details, "Invalid or missing input parameters: "+p.Field)
		default:
			details = append(details, "Invalid value for parameter "+p.String())
		}
	}
	return details
}

// unknownEsriOp is the detail of the error for a path under the server
// that the mock does not answer.
func unknownEsriOp(rest string) string {
	where := esriServerSegment + quoteValue(rest)
	if strings.HasPrefix(strings.ToLower(rest), "jobs/") {
		return "The status of a child task job (the statusUrl of executeTaskJob) is not documented, and taskmock does not simulate it: " + where
	}
	api, _ := specs.Get(string(specs.Esri))
	var names []string
	for _, op := range api.Operations {
		names = append(names, strings.TrimPrefix(op.Path, esriServerSegment))
	}
	return "Unsupported operation " + where + ": taskmock answers " + strings.Join(names, ", ") + " under " + esriServerSegment
}

// only keeps the controls names (code, delay) of an operation that has no
// task to shape: the others are not applied.
func (c control) only(names ...string) control {
	out := control{fromQuery: c.fromQuery}
	for _, a := range c.applied {
		name, _, _ := strings.Cut(a, "=")
		if slices.Contains(names, name) {
			out.applied = append(out.applied, a)
		}
	}
	if slices.Contains(names, "code") {
		out.code = c.code
	}
	if slices.Contains(names, "delay") {
		out.delay = c.delay
	}
	return out
}

// missingParams is the 400 error of required parameters that are missing
// or not GUIDs.
func missingParams(names ...string) *esriError {
	details := make([]string, len(names))
	for i, n := range names {
		details[i] = "Invalid or missing input parameters: " + n
	}
	e := esriErrorFor(400, details...)
	return &e
}

// badParam is the 400 error of a parameter whose value is not allowed.
func badParam(name, expected, found string) *esriError {
	e := esriErrorFor(400, "Invalid value for parameter "+name+": expected "+expected+", found "+quoteValue(found))
	return &e
}

// updateTaskResponse is the answer of updateTask.
type updateTaskResponse struct {
	TaskOperationID string `json:"taskOperationId"`
	Success         bool   `json:"success"`
}

// updateTask moves a task of a task group job in the world (see esriMove):
// getTask answers the new status afterwards, with the dates it implies.
func (s *Server) updateTask(r *http.Request, params url.Values) (any, *esriError) {
	id, bad := esriIDs(params)
	if len(bad) > 0 {
		return nil, missingParams(bad...)
	}
	code := -1
	if v, ok := params["status"]; ok && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil || n < 0 || n >= len(updateTaskStatuses) {
			return nil, badParam("status", "0 (Unknown), 1 (Ready), 2 (InProgress), 3 (Completed), 4 (Failed) or 5 (Canceled)", v[0])
		}
		code = n
	}
	cancelRest := false
	if v := strings.TrimSpace(params.Get("onFailureCancelTasks")); v != "" {
		switch strings.ToLower(v) {
		case "true":
			cancelRest = true
		case "false":
		default:
			return nil, badParam("onFailureCancelTasks", "true or false", v)
		}
	}
	if st, ok := s.store.get(esriKey(id.taskOperationID)); ok {
		e := esriErrorFor(400, "The task "+quoteValue(id.taskOperationID)+" is a stored task ("+st.source+"): updateTask moves generated tasks only; store the task with its new status through the admin API")
		return nil, &e
	}
	job, err := s.gen.EsriJob(id.taskGroupJobID)
	if err != nil {
		return nil, missingParams("taskGroupJobId")
	}
	if code >= 0 {
		if err := s.world.esriUpdate(&job, id.taskOperationID, code, cancelRest); err != nil {
			e := esriErrorFor(400, err.Error())
			return nil, &e
		}
	}
	return updateTaskResponse{TaskOperationID: id.taskOperationID, Success: true}, nil
}

// esriUpdate places task op in job and moves it to status code.
func (w *world) esriUpdate(job *fixtures.EsriJob, op string, code int, cancelRest bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	js := w.esriJob(job.ID, true)
	p, err := js.place(job, op)
	if errors.Is(err, errJobFull) {
		return errors.New("Invalid taskOperationId: " + err.Error())
	}
	if err != nil {
		return errors.New("Invalid or missing input parameters: taskOperationId")
	}
	return w.esriMove(job, js, p, code, cancelRest)
}

// hasNextTaskResponse is the answer of hasNextTask.
type hasNextTaskResponse struct {
	TaskCount           int    `json:"taskCount"`
	HasNextTask         bool   `json:"hasNextTask"`
	NextTaskOperationID string `json:"nextTaskOperationId"`
	Success             bool   `json:"success"`
}

// hasNextTask answers the tasks of the job left to start, and the first of
// them ("" when none is left).
func (s *Server) hasNextTask(r *http.Request, params url.Values) (any, *esriError) {
	group := params.Get("taskGroupJobId")
	if !contract.IsGUID(group) {
		return nil, missingParams("taskGroupJobId")
	}
	job, err := s.gen.EsriJob(group)
	if err != nil {
		return nil, missingParams("taskGroupJobId")
	}
	count, next := s.world.esriNext(&job)
	return hasNextTaskResponse{TaskCount: count, HasNextTask: count > 0, NextTaskOperationID: next, Success: true}, nil
}

// getTaskGroupsResponse is the answer of getTaskGroups.
type getTaskGroupsResponse struct {
	Count      int                      `json:"count"`
	TaskGroups []fixtures.EsriTaskGroup `json:"taskGroups"`
	Success    bool                     `json:"success"`
}

// getTaskGroups answers the seed's task groups that match the filters
// taskGroupId (any letter case, braces optional), name and productName
// (any letter case). No match is the Topographic Production error "No task
// group found with the specified parameters.".
func (s *Server) getTaskGroups(r *http.Request, params url.Values) (any, *esriError) {
	id := strings.TrimSpace(params.Get("taskGroupId"))
	if id != "" && !contract.IsGUID(id) {
		return nil, badParam("taskGroupId", "a GUID such as A031377A-E3C5-4C1A-A081-56285228A3A3", id)
	}
	name := strings.TrimSpace(params.Get("name"))
	product := strings.TrimSpace(params.Get("productName"))
	out := getTaskGroupsResponse{TaskGroups: []fixtures.EsriTaskGroup{}, Success: true}
	for _, tg := range s.gen.EsriTaskGroups() {
		if id != "" && esriKey(id) != esriKey(tg.TaskGroupID) ||
			name != "" && !strings.EqualFold(name, tg.Name) ||
			product != "" && !strings.EqualFold(product, tg.ProductName) {
			continue
		}
		out.TaskGroups = append(out.TaskGroups, tg)
	}
	if out.Count = len(out.TaskGroups); out.Count == 0 {
		e := esriErrorFor(esriNoTaskGroup)
		return nil, &e
	}
	return out, nil
}

// executeTaskJobResponse is the answer of executeTaskJob.
type executeTaskJobResponse struct {
	JobID     string `json:"jobId"`
	StatusURL string `json:"statusUrl"`
	Success   bool   `json:"success"`
}

// executeTaskJob answers the job id and a status URL on the mock's own
// host (the request's): .../TopographicProductionServer/jobs/<job id>,
// which answers an ArcGIS error saying that the child task job's status
// is not documented. productName must be the product of a task group of
// the catalogue. It does not move the job.
func (s *Server) executeTaskJob(r *http.Request, params url.Values) (any, *esriError) {
	group := params.Get("taskGroupJobId")
	product := strings.TrimSpace(params.Get("productName"))
	version := strings.TrimSpace(params.Get("productVersion"))
	var missing []string
	if !contract.IsGUID(group) {
		missing = append(missing, "taskGroupJobId")
	}
	if product == "" {
		missing = append(missing, "productName")
	}
	if version == "" {
		missing = append(missing, "productVersion")
	}
	if len(missing) > 0 {
		return nil, missingParams(missing...)
	}
	var products []string
	for _, tg := range s.gen.EsriTaskGroups() {
		if !slices.Contains(products, tg.ProductName) {
			products = append(products, tg.ProductName)
		}
	}
	if !slices.ContainsFunc(products, func(p string) bool { return strings.EqualFold(p, product) }) {
		return nil, badParam("productName", "the product of a task group ("+strings.Join(products, ", ")+")", product)
	}
	prefix, _, _ := strings.Cut(r.URL.EscapedPath(), esriServerSegment)
	status := requestScheme(r) + "://" + r.Host + prefix + esriServerSegment + "jobs/" + strings.ToLower(esriKey(group).id)
	return executeTaskJobResponse{JobID: group, StatusURL: status, Success: true}, nil
}

// requestScheme is the scheme the client used: https with TLS or when a
// proxy's X-Forwarded-Proto says so, else http.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	if p = strings.ToLower(strings.TrimSpace(p)); p == "https" {
		return p
	}
	return "http"
}

// esriOpTemplate is the Services Directory view (f=html) of an operation
// beside getTask: its answer's members, or its error.
var esriOpTemplate = template.Must(template.New("op").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Op}} (TopographicProductionServer)</title>
</head>
<body>
<table class="userTable"><tr><td>ArcGIS REST Services Directory</td><td style="text-align: right">taskmock</td></tr></table>
<table class="navTable"><tr><td>{{.Path}}</td></tr></table>
<div class="rbody">
<h2>{{.Op}} (TopographicProductionServer)</h2>
{{- if .Error}}
<div class="restErrors">
Error: {{.Error.Message}}<br>
Code: {{.Error.Code}}<br>
{{- range .Error.Details}}
{{.}}<br>
{{- end}}
</div>
{{- else}}
<table class="formTable">
{{- range .Fields}}
<tr><td><b>{{.Name}}:</b></td><td>{{.Value}}</td></tr>
{{- end}}
</table>
{{- end}}
</div>
</body>
</html>
`))

// esriOpPage renders the page of an operation's answer t, or of error e.
func esriOpPage(out esriOut, t task, e *esriError) []byte {
	d := struct {
		Op, Path string
		Error    *pageError
		Fields   []pageField
	}{Op: out.op, Path: out.path}
	if e != nil {
		d.Error = &pageError{Code: e.code, Message: e.message, Details: e.details}
	} else if o, err := t.object(); err == nil {
		for _, m := range o {
			d.Fields = append(d.Fields, pageField{Name: m.key, Value: fieldText(m.value)})
		}
	}
	var b bytes.Buffer
	if err := esriOpTemplate.Execute(&b, d); err != nil {
		return []byte(template.HTMLEscapeString(err.Error()))
	}
	return b.Bytes()
}
