package mockserver

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/specs"
)

// The dashboard: a page at DashboardPath where a person sees the request
// journal live, the tasks the mock holds or has been asked for, and, with
// WithAdmin, forces the next answer of a task, edits a task or resets one.
// It is plain HTML, CSS and JavaScript embedded in the binary, and it
// answers as the admin API does: loopback clients, a loopback Host, no
// CORS grant; its page may not be framed.
const (
	// DashboardPath is the dashboard's page.
	DashboardPath = AdminPrefix
	dashAssets    = AdminPrefix + "ui/"
	// dashState lists the tasks with their current state (GET).
	dashState = AdminPrefix + "state"
	// dashView answers a task as the API serves it, without moving it
	// (GET /__taskmock/view/{api}/{id}[?job=ID]).
	dashView = AdminPrefix + "view/"
	// NextPath holds the one-shot answers (GET the list; PUT and DELETE
	// NextPath+"{api}/{id}").
	NextPath = AdminPrefix + "next/"
	// worldPath resets one task (DELETE /__taskmock/world/{api}/{id}).
	worldPath = AdminPrefix + "world/"
)

//go:embed dashboard
var dashboardFS embed.FS

// maxDashTasks bounds the tasks the dashboard lists.
const maxDashTasks = 200

// maxNextAnswers bounds the one-shot answers waiting for their request.
const maxNextAnswers = 1000

// isDashboardPath tells the paths of the dashboard, which answer without
// WithAdmin (its actions then say they need it).
func isDashboardPath(path string) bool {
	return path == DashboardPath || path == dashState || path == NextPath || path+"/" == NextPath ||
		strings.HasPrefix(path, dashAssets) || strings.HasPrefix(path, dashView) ||
		strings.HasPrefix(path, NextPath) || strings.HasPrefix(path, worldPath)
}

// serveDashboard answers the dashboard's page, assets and reads, and its
// actions (with WithAdmin). ok is false when path is not one of them.
func (s *Server) serveDashboard(w http.ResponseWriter, r *http.Request) (string, bool) {
	path := r.URL.Path
	switch {
	case path == DashboardPath:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return adminMethod(w, "GET, HEAD"), true
		}
		return s.dashFile(w, "index.html", "text/html; charset=utf-8"), true
	case strings.HasPrefix(path, dashAssets):
		name := strings.TrimPrefix(path, dashAssets)
		types := map[string]string{"dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8"}
		ct, ok := types[name]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": "no dashboard file " + quoteValue(name)})
			return "dashboard.404", true
		}
		return s.dashFile(w, name, ct), true
	case path == dashState:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return adminMethod(w, "GET, HEAD"), true
		}
		writeJSON(w, http.StatusOK, s.dashboardState(r.Context(), r.Host))
		return "dashboard.state", true
	case strings.HasPrefix(path, dashView):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return adminMethod(w, "GET, HEAD"), true
		}
		return s.serveView(w, r, strings.TrimPrefix(r.URL.EscapedPath(), dashView)), true
	case path == NextPath || path+"/" == NextPath:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return adminMethod(w, "GET, HEAD"), true
		}
		writeJSON(w, http.StatusOK, map[string]any{"next": s.next.list()})
		return "dashboard.next", true
	case strings.HasPrefix(path, NextPath):
		return s.serveNext(w, r, strings.TrimPrefix(r.URL.EscapedPath(), NextPath)), true
	case strings.HasPrefix(path, worldPath):
		return s.serveWorldTask(w, r, strings.TrimPrefix(r.URL.EscapedPath(), worldPath)), true
	}
	return "", false
}

// dashFile writes an embedded file of the dashboard, with the headers that
// keep it from being framed or fetching from elsewhere.
func (s *Server) dashFile(w http.ResponseWriter, name, contentType string) string {
	b, err := dashboardFS.ReadFile("dashboard/" + name)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "dashboard", "detail": err.Error()})
		return "dashboard.500"
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return "dashboard." + strings.TrimSuffix(strings.TrimPrefix(name, "dashboard."), ".html")
}

// DashTask is a task as the dashboard lists it.
type DashTask struct {
	API specs.Name `json:"api"`
	// ID is the Oracle task id, or the Esri taskOperationId; Job the Esri
	// taskGroupJobId when it is known.
	ID  string `json:"id"`
	Job string `json:"job,omitempty"`
	// Stored tells that a fixture or an admin PUT holds the task; Source
	// names it.
	Stored bool   `json:"stored,omitempty"`
	Source string `json:"source,omitempty"`
	// Touched tells that requests moved the task (polls, a reassignment,
	// an updateTask); Requested that the journal holds requests for it.
	Touched   bool `json:"touched,omitempty"`
	Requested bool `json:"requested,omitempty"`
	// Status and State are the task's current answer: the HTTP status, and
	// the Oracle state/substate or the Esri status of the task.
	Status int    `json:"status"`
	State  string `json:"state"`
	// Next is the one-shot answer waiting for the task's next getTask.
	Next map[string]string `json:"next,omitempty"`
}

// DashState is the JSON of GET /__taskmock/state.
type DashState struct {
	Admin   bool       `json:"admin"`
	Journal bool       `json:"journal"`
	Tasks   []DashTask `json:"tasks"`
	// Controls lists, by API, what an answer can be forced to: the codes,
	// and the states (Oracle) or statuses (Esri) by name.
	Controls map[specs.Name]DashControls `json:"controls"`
	// More counts the tasks left out beyond the dashboard's bound.
	More int `json:"more,omitempty"`
}

// DashControls is what the answers of one API can be forced to.
type DashControls struct {
	Codes  []int    `json:"codes"`
	Field  string   `json:"field"` // "state" or "status"
	States []string `json:"states"`
}

func dashControls() map[specs.Name]DashControls {
	var states, statuses []string
	for _, st := range contract.OracleStates {
		states = append(states, st.State)
	}
	for _, st := range contract.EsriStatuses {
		statuses = append(statuses, st.Name)
	}
	return map[specs.Name]DashControls{
		specs.Oracle: {Codes: oracleCodes()[1:], Field: "state", States: states},
		specs.Esri:   {Codes: esriCodes()[1:], Field: "status", States: statuses},
	}
}

// dashboardState lists the tasks the mock holds or has been asked for:
// the stored ones, those the world moved, and those of the journal, newest
// first, each with its current answer.
func (s *Server) dashboardState(ctx context.Context, host string) DashState {
	st := DashState{Admin: s.admin, Journal: s.journal != nil, Tasks: []DashTask{}, Controls: dashControls()}
	seen := map[taskKey]int{}
	add := func(t DashTask) *DashTask {
		k := taskKey{api: t.API, id: t.ID}
		if t.API == specs.Esri {
			k = esriKey(t.ID)
		}
		if i, ok := seen[k]; ok {
			if st.Tasks[i].Job == "" {
				st.Tasks[i].Job = t.Job
			}
			return &st.Tasks[i]
		}
		seen[k] = len(st.Tasks)
		st.Tasks = append(st.Tasks, t)
		return &st.Tasks[len(st.Tasks)-1]
	}
	if s.journal != nil {
		for _, e := range s.journal.List(JournalFilter{Limit: 1000}).Requests {
			if e.API == "" || e.TaskID == "" {
				continue
			}
			job := ""
			if e.API == specs.Esri {
				q, _ := url.ParseQuery(e.Query)
				if f, err := url.ParseQuery(e.RequestBody.Text); err == nil && e.Method == http.MethodPost {
					for k, v := range f { // the form of a POST, as the ArcGIS client sends it
						q[k] = v
					}
				}
				job = q.Get("taskGroupJobId")
				if q.Get("taskOperationId") == "" {
					continue // a job-level request (hasNextTask): no task named
				}
			}
			add(DashTask{API: e.API, ID: e.TaskID, Job: job}).Requested = true
		}
	}
	for _, t := range s.world.touched(s.gen) {
		add(t).Touched = true
	}
	for _, k := range s.store.keys() {
		if t, ok := s.store.get(k); ok {
			d := add(DashTask{API: k.api, ID: adminID(k, t)})
			d.Stored, d.Source = true, t.source
		}
	}
	for k, v := range s.next.all() {
		d := add(DashTask{API: k.api, ID: k.id})
		d.Next = v
	}
	if len(st.Tasks) > maxDashTasks {
		st.More = len(st.Tasks) - maxDashTasks
		st.Tasks = st.Tasks[:maxDashTasks]
	}
	for i := range st.Tasks {
		t := &st.Tasks[i]
		status, body := s.view(ctx, host, t.API, t.ID, t.Job)
		t.Status, t.State = status, stateOf(t.API, body)
	}
	return st
}

// stateOf reads the state of a task body: "ASSIGNED/CLAIMED" for Oracle,
// the status name for Esri; "" when the body is not a task.
func stateOf(api specs.Name, body []byte) string {
	if api == specs.Oracle {
		var t struct{ State, Substate string }
		if json.Unmarshal(body, &t) != nil || t.State == "" {
			return ""
		}
		if t.Substate != "" {
			return t.State + "/" + t.Substate
		}
		return t.State
	}
	var t struct {
		Task *struct {
			Status string `json:"status"`
		} `json:"task"`
	}
	if json.Unmarshal(body, &t) != nil || t.Task == nil {
		return ""
	}
	return t.Task.Status
}

// viewKey marks a request the dashboard makes to see a task: it waits for
// nothing, asks for no credential, fails no request by chaos and takes no
// one-shot answer.
type viewKey struct{}

// isView reports whether r is the dashboard's look at a task.
func isView(r *http.Request) bool { return r.Context().Value(viewKey{}) != nil }

// view answers a task's getTask as the API would, without journaling,
// logging or moving anything; host (the dashboard's, a loopback one) is
// the Host its links name.
func (s *Server) view(ctx context.Context, host string, api specs.Name, id, job string) (int, []byte) {
	var target string
	switch api {
	case specs.Oracle:
		target = OraclePrefix + url.PathEscape(id)
	case specs.Esri:
		if job == "" {
			job = viewJob
		}
		target = "/arcgis/rest/services/taskmock" + s.esriPath + "?" +
			url.Values{"f": {"json"}, "taskGroupJobId": {job}, "taskOperationId": {id}}.Encode()
	default:
		return http.StatusNotFound, nil
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, viewKey{}, true), http.MethodGet, target, nil)
	if err != nil {
		return http.StatusBadRequest, nil
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.Host = host
	bw := &bufferWriter{header: http.Header{}}
	s.route(bw, req)
	return bw.statusOr200(), bw.body.Bytes()
}

// viewJob is the taskGroupJobId of a view of an Esri task whose job is
// not known: a stored task answers whatever its job.
const viewJob = "00000000-0000-0000-0000-000000000000"

// bufferWriter is an http.ResponseWriter that keeps the answer in memory.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if b.body.Len()+len(p) > maxTaskBytes {
		return 0, fmt.Errorf("a task view over %s", jsonlimit.Size(maxTaskBytes))
	}
	return b.body.Write(p)
}
func (b *bufferWriter) statusOr200() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// serveView answers GET /__taskmock/view/{api}/{id}: the task as the API
// serves it, its status and body in JSON.
func (s *Server) serveView(w http.ResponseWriter, r *http.Request, rest string) string {
	api, id, err := splitAdminPath(rest)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": err.Error()})
		return "dashboard.view.404"
	}
	status, body := s.view(r.Context(), r.Host, api, id, r.URL.Query().Get("job"))
	out := map[string]any{"api": api, "id": id, "status": status}
	if json.Valid(body) {
		out["body"] = json.RawMessage(body)
	} else {
		out["text"] = string(body)
	}
	writeJSON(w, http.StatusOK, out)
	return "dashboard.view"
}

// splitAdminPath reads "{api}/{id}" (id path-escaped) of an admin URL.
func splitAdminPath(rest string) (specs.Name, string, error) {
	apiName, escID, ok := strings.Cut(rest, "/")
	if !ok || escID == "" {
		return "", "", fmt.Errorf("expected {api}/{id}, such as oracle/1f15bc3a or esri/F6208AD7-D10C-4E1C-AB8A-6CA429AD559C")
	}
	a, err := specs.Get(apiName)
	if err != nil {
		return "", "", fmt.Errorf("unknown API %s: %s", quoteValue(apiName), strings.Join(apiNames(), " or "))
	}
	id, err := url.PathUnescape(escID)
	if err != nil || strings.ContainsAny(id, "\x00\r\n") || len(id) > maxIDBytes {
		return "", "", fmt.Errorf("a task id of at most %d bytes, without line breaks, path-escaped", maxIDBytes)
	}
	return a.Name, id, nil
}

// maxIDBytes bounds a task id in the dashboard's routes.
const maxIDBytes = 256

func apiNames() []string {
	var out []string
	for _, n := range specs.Names() {
		out = append(out, string(n))
	}
	return out
}

// nextAnswers holds the one-shot answers the dashboard set: the next
// getTask naming the task gets them, as if it had sent the __name query
// controls (they win over the request's own), and they are gone.
type nextAnswers struct {
	mu sync.Mutex
	m  map[taskKey]url.Values
}

// keyOf is the key of a task of api.
func keyOf(api specs.Name, id string) taskKey {
	if api == specs.Esri {
		return esriKey(id)
	}
	return taskKey{api: api, id: id}
}

func (n *nextAnswers) set(k taskKey, v url.Values) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[taskKey]url.Values{}
	}
	if _, ok := n.m[k]; !ok && len(n.m) >= maxNextAnswers {
		return fmt.Errorf("%d answers already wait for their request: delete one first", maxNextAnswers)
	}
	n.m[k] = v
	return nil
}

func (n *nextAnswers) remove(k taskKey) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.m[k]
	delete(n.m, k)
	return ok
}

func (n *nextAnswers) clear() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.m = nil
}

// take removes and returns the answer waiting for k, nil for none.
func (n *nextAnswers) take(k taskKey) url.Values {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, ok := n.m[k]
	if !ok {
		return nil
	}
	delete(n.m, k)
	return v
}

// all returns the waiting answers as name=value maps.
func (n *nextAnswers) all() map[taskKey]map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(map[taskKey]map[string]string, len(n.m))
	for k, v := range n.m {
		m := map[string]string{}
		for name := range v {
			m[strings.TrimPrefix(name, "__")] = v.Get(name)
		}
		out[k] = m
	}
	return out
}

// NextAnswer is a one-shot answer of GET /__taskmock/next/.
type NextAnswer struct {
	API      specs.Name        `json:"api"`
	ID       string            `json:"id"`
	Controls map[string]string `json:"controls"`
}

func (n *nextAnswers) list() []NextAnswer {
	out := []NextAnswer{}
	for k, v := range n.all() {
		out = append(out, NextAnswer{API: k.api, ID: k.id, Controls: v})
	}
	slices.SortFunc(out, func(a, b NextAnswer) int { return strings.Compare(string(a.API)+"/"+a.ID, string(b.API)+"/"+b.ID) })
	return out
}

// withNext returns params with the one-shot answer waiting for task id of
// api, which it consumes; params itself when none waits or r is a view.
func (s *Server) withNext(r *http.Request, api specs.Name, id string, params url.Values) url.Values {
	if isView(r) || id == "" {
		return params
	}
	next := s.next.take(keyOf(api, id))
	if next == nil {
		return params
	}
	out := url.Values{}
	for k, v := range params {
		out[k] = v
	}
	for k, v := range next {
		out[k] = v
	}
	return out
}

// serveNext sets (PUT) or removes (DELETE) the one-shot answer of a task.
// The PUT body is a JSON object of the controls, as the query names them
// without their "__": {"code": 404}, {"state": "COMPLETED"},
// {"status": "Closed"}, {"delay": "2s"}; they are checked as a request's
// would be.
func (s *Server) serveNext(w http.ResponseWriter, r *http.Request, rest string) string {
	if !s.admin {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "detail": "forcing an answer needs the admin API: start the mock with --admin (WithAdmin)"})
		return "dashboard.403.admin"
	}
	api, id, err := splitAdminPath(rest)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": err.Error()})
		return "dashboard.next.404"
	}
	k := keyOf(api, id)
	switch r.Method {
	case http.MethodDelete:
		if !s.next.remove(k) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found", "detail": "no answer waits for " + string(api) + " task " + quoteValue(id)})
			return "dashboard.next.404"
		}
		w.WriteHeader(http.StatusNoContent)
		return "dashboard.next.delete"
	case http.MethodPut:
	default:
		return adminMethod(w, "PUT, DELETE")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<10+1))
	if err != nil || len(body) > 4<<10 {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "too large", "detail": "a forced answer is a JSON object of at most 4 KiB"})
		return "dashboard.next.413"
	}
	if err := plainJSON(body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad body", "detail": err.Error()})
		return "dashboard.next.400"
	}
	var in map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil || in == nil || dec.More() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad body", "detail": `expected a JSON object such as {"code": 404} or {"state": "COMPLETED", "delay": "2s"}`})
		return "dashboard.next.400"
	}
	allowed := []string{"code", "status", "state", "substate", "priority", "delay"}
	params := url.Values{}
	for name, raw := range in {
		if !slices.Contains(allowed, name) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad body", "detail": fmt.Sprintf("unknown control %s: %s", quoteValue(name), strings.Join(allowed, ", "))})
			return "dashboard.next.400"
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			v = nil
		}
		switch x := v.(type) {
		case string:
			params.Set("__"+name, x)
		case float64:
			params.Set("__"+name, strings.TrimSpace(string(raw)))
		default:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad body", "detail": name + ": expected a string or a number"})
			return "dashboard.next.400"
		}
	}
	if len(params) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad body", "detail": "no control given: " + strings.Join(allowed, ", ")})
		return "dashboard.next.400"
	}
	if _, err := parseControl(api, http.Header{}, params); err != nil {
		// The control is named as the body gave it ("code"), not as the
		// query parameter the check knows it by ("__code").
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad control", "detail": strings.TrimPrefix(err.Error(), "__")})
		return "dashboard.next.400"
	}
	if err := s.next.set(k, params); err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "full", "detail": err.Error()})
		return "dashboard.next.409"
	}
	w.WriteHeader(http.StatusNoContent)
	return "dashboard.next.put"
}

// serveWorldTask resets one task (DELETE /__taskmock/world/{api}/{id}):
// its stored version, what requests did to it and its waiting answer are
// forgotten, and it answers as its untouched story again. An Esri task is
// reset with its job (?job=ID, else every job the world keeps that holds
// it): the order of a job's tasks is one story.
func (s *Server) serveWorldTask(w http.ResponseWriter, r *http.Request, rest string) string {
	if !s.admin {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "detail": "resetting a task needs the admin API: start the mock with --admin (WithAdmin)"})
		return "dashboard.403.admin"
	}
	if r.Method != http.MethodDelete {
		return adminMethod(w, "DELETE")
	}
	api, id, err := splitAdminPath(rest)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": err.Error()})
		return "dashboard.world.404"
	}
	k := keyOf(api, id)
	s.store.restore(k)
	s.next.remove(k)
	s.world.forget(s.gen, k, r.URL.Query().Get("job"))
	w.WriteHeader(http.StatusNoContent)
	return "dashboard.world.reset"
}

// touched lists the tasks requests moved: Oracle tasks with a state, the
// tasks of the Esri jobs the world keeps that moved or were polled, the
// newest first.
func (w *world) touched(gen *fixtures.Generator) []DashTask {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []DashTask
	w.tasks.each(func(k taskKey, t *taskState) {
		out = append(out, DashTask{API: k.api, ID: k.id})
	})
	w.jobs.each(func(id string, js *jobState) {
		job, err := gen.EsriJob(id)
		if err != nil {
			return
		}
		places := map[int]bool{}
		for p := range js.esri.moved {
			places[p] = true
		}
		for p := range js.esri.polls {
			places[p] = true
		}
		for _, t := range js.esri.tasks(&job) {
			if places[t.place] {
				out = append(out, DashTask{API: specs.Esri, ID: t.id, Job: id})
			}
		}
	})
	slices.Reverse(out)
	return out
}

// forget resets what the world keeps of task k: an Oracle task's state;
// for an Esri task, the state of job (or of each job that holds k).
func (w *world) forget(gen *fixtures.Generator, k taskKey, job string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if k.api == specs.Oracle {
		if t, ok := w.tasks.get(k); ok {
			w.tasks.remove(k)
			w.bytes -= t.size
		}
		return
	}
	var drop []string
	w.jobs.each(func(id string, js *jobState) {
		if job != "" && !strings.EqualFold(id, job) {
			return
		}
		j, err := gen.EsriJob(id)
		if err != nil {
			return
		}
		for _, t := range js.esri.tasks(&j) {
			if esriKey(t.id) == k {
				drop = append(drop, id)
				return
			}
		}
	})
	for _, id := range drop {
		w.jobs.remove(id)
	}
}
