package mockserver_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// tpsURL returns the URL of a Topographic Production Server operation
// (such as "workflows/tasks/updateTask") with query q.
func tpsURL(op string, q url.Values) string {
	return "http://mock.test/arcgis/rest/services/SampleService/TopographicProductionServer/" + op + "?" + q.Encode()
}

// postForm sends a form-encoded POST of params to the operation op, as
// @esri/arcgis-rest-request sends it.
func postForm(t testing.TB, h http.Handler, op string, params url.Values) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, tpsURL(op, nil), strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = loopbackAddr
	return do(t, h, req)
}

func decodeErr(t testing.TB, a answer) esriEnvelope {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, a.text())
	var e esriEnvelope
	require.NoError(t, json.Unmarshal(a.body, &e), a.text())
	require.NotNil(t, e.Error, "an error envelope: %s", a.text())
	return e
}

// jobTask returns the getTask answer of op in job, as json.
func jobTask(t testing.TB, h http.Handler, job, op string, headers ...string) fixtures.EsriTask {
	t.Helper()
	a := get(t, h, esriURL(url.Values{"f": {"json"}, "taskGroupJobId": {job}, "taskOperationId": {op}}), headers...)
	requireValid(t, specs.Esri, a)
	var res fixtures.EsriResponse
	require.NoError(t, json.Unmarshal(a.body, &res), a.text())
	return res.Task
}

// update sends updateTask as a form POST and returns the answer.
func update(t testing.TB, h http.Handler, job, op string, kv ...string) answer {
	t.Helper()
	p := url.Values{"f": {"json"}, "taskGroupJobId": {job}, "taskOperationId": {op}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	return postForm(t, h, "workflows/tasks/updateTask", p)
}

type nextTask struct {
	TaskCount           int    `json:"taskCount"`
	HasNextTask         bool   `json:"hasNextTask"`
	NextTaskOperationID string `json:"nextTaskOperationId"`
	Success             bool   `json:"success"`
}

func hasNext(t testing.TB, h http.Handler, job string) nextTask {
	t.Helper()
	a := get(t, h, tpsURL("workflows/taskgroups/hasNextTask", url.Values{"f": {"json"}, "taskGroupJobId": {job}}))
	var n nextTask
	require.NoError(t, json.Unmarshal(a.body, &n), a.text())
	require.True(t, n.Success, a.text())
	return n
}

// readyJob returns the i-th job of seed 1 whose first task has not started.
func readyJob(t *testing.T) (string, [fixtures.EsriJobSize]string) {
	g := fixtures.New(fixtures.WithClock(func() time.Time { return anchor }))
	for i := 0; i < 500; i++ {
		first := g.EsriIdentity(i * fixtures.EsriJobSize)
		j, err := g.EsriJob(first.TaskGroupJobID)
		require.NoError(t, err)
		if j.State(0).Code == fixtures.EsriReady {
			var ops [fixtures.EsriJobSize]string
			for k := range ops {
				ops[k] = g.EsriIdentity(i*fixtures.EsriJobSize + k).TaskOperationID
			}
			return first.TaskGroupJobID, ops
		}
	}
	t.Fatal("no job ready to start")
	return "", [fixtures.EsriJobSize]string{}
}

// TestEsriJobTasks: the five identities of a job answer one story through
// the mock, the bytes of the generator for an untouched task.
func TestEsriJobTasks(t *testing.T) {
	s := newServer(t)
	g := fixtures.New(fixtures.WithClock(func() time.Time { return anchor }))
	for job := 0; job < 20; job++ {
		orders := map[int]bool{}
		for k := range fixtures.EsriJobSize {
			id := g.EsriIdentity(job*fixtures.EsriJobSize + k)
			got := jobTask(t, s, id.TaskGroupJobID, id.TaskOperationID)
			want, err := g.Esri(id, fixtures.Request{})
			require.NoError(t, err)
			assert.Equal(t, want.Task, got)
			assert.False(t, orders[got.TaskOrder], "distinct taskOrder")
			orders[got.TaskOrder] = true
		}
	}
}

// TestUpdateTaskMovesTheTask: updateTask moves a task in the world, and
// getTask and hasNextTask show the move, with times from the world's clock.
func TestUpdateTaskMovesTheTask(t *testing.T) {
	s := newServer(t)
	job, ops := readyJob(t)
	before := jobTask(t, s, job, ops[0])
	require.Equal(t, "ready", before.Status)
	n := hasNext(t, s, job)
	assert.Equal(t, fixtures.EsriJobSize, n.TaskCount)
	assert.Equal(t, strings.ToLower(ops[0]), n.NextTaskOperationID)

	a := update(t, s, job, strings.ToLower(ops[0]), "status", "2")
	assert.JSONEq(t, `{"taskOperationId":"`+strings.ToLower(ops[0])+`","success":true}`, a.text())
	started := jobTask(t, s, job, ops[0])
	assert.Equal(t, []any{2, "inProgress", "2026-01-01T00:00:01Z", "", 0.0}, []any{started.StatusCode, started.Status, started.StartedOn, started.EndedOn, started.Duration})
	assert.Equal(t, []any{before.StartOn, before.EndOn, before.TaskWorkID, before.AssignTo, before.LevelOfEffort, before.TaskOrder},
		[]any{started.StartOn, started.EndOn, started.TaskWorkID, started.AssignTo, started.LevelOfEffort, started.TaskOrder}, "the same task")
	n = hasNext(t, s, job)
	assert.Equal(t, fixtures.EsriJobSize-1, n.TaskCount)
	assert.Equal(t, strings.ToLower(ops[1]), n.NextTaskOperationID)

	a = update(t, s, job, ops[0], "status", "3")
	assert.JSONEq(t, `{"taskOperationId":"`+ops[0]+`","success":true}`, a.text())
	done := jobTask(t, s, job, ops[0])
	assert.Equal(t, []any{3, "completed", "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"}, []any{done.StatusCode, done.Status, done.StartedOn, done.EndedOn})

	// The next task fails and cancels the rest.
	require.Equal(t, `{"taskOperationId":"`+ops[1]+`","success":true}`, update(t, s, job, ops[1], "status", "2").text())
	require.Equal(t, `{"taskOperationId":"`+ops[1]+`","success":true}`, update(t, s, job, ops[1], "status", "4", "onFailureCancelTasks", "true").text())
	failed := jobTask(t, s, job, ops[1])
	assert.Equal(t, []any{"failed", "2026-01-01T00:00:03Z", "2026-01-01T00:00:04Z"}, []any{failed.Status, failed.StartedOn, failed.EndedOn})
	for _, op := range ops[2:] {
		task := jobTask(t, s, job, op)
		assert.Equal(t, []any{"canceled", ""}, []any{task.Status, task.StartedOn}, op)
	}
	n = hasNext(t, s, job)
	assert.Equal(t, nextTask{Success: true}, n)
}

// TestUpdateTaskRefuses: missing and invalid parameters, and the moves the
// state machine does not allow, are ArcGIS 400 errors naming the parameter
// or the reason; the task stays.
func TestUpdateTaskRefuses(t *testing.T) {
	s := newServer(t)
	job, ops := readyJob(t)
	tests := []struct {
		name   string
		op     string
		kv     []string
		detail string
	}{
		{"missing job", "", []string{"taskGroupJobId", ""}, "taskGroupJobId"},
		{"bad operation", "", []string{"taskOperationId", "42"}, "taskOperationId"},
		{"status not a number", ops[0], []string{"status", "done"}, "Invalid value for parameter status: expected an integer"},
		{"status out of range", ops[0], []string{"status", "6"}, "Invalid value for parameter status: expected one of 0, 1, 2, 3, 4, 5"},
		{"bad bool", ops[0], []string{"status", "4", "onFailureCancelTasks", "yes"}, "Invalid value for parameter onFailureCancelTasks: expected a boolean"},
		{"complete before start", ops[0], []string{"status", "3"}, "has not started; set status 2 (InProgress) first"},
		{"start out of order", ops[2], []string{"status", "2"}, "starts once the tasks before it have ended; taskOrder 1 is 1 (Ready)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := tt.op
			if op == "" {
				op = ops[0]
			}
			e := decodeErr(t, update(t, s, job, op, tt.kv...))
			require.NotNil(t, e.Error.Code)
			assert.Equal(t, 400, *e.Error.Code)
			assert.Equal(t, "Unable to complete operation.", e.Error.Message)
			assert.Contains(t, strings.Join(e.Error.Details, "\n"), tt.detail)
		})
	}
	assert.Equal(t, "ready", jobTask(t, s, job, ops[0]).Status, "refused moves change nothing")

	require.Contains(t, update(t, s, job, ops[0], "status", "2").text(), `"success":true`)
	require.Contains(t, update(t, s, job, ops[0], "status", "3").text(), `"success":true`)
	e := decodeErr(t, update(t, s, job, ops[0], "status", "2"))
	assert.Contains(t, e.Error.Details[0], "an ended task keeps its status")
	assert.Contains(t, update(t, s, job, ops[0], "status", "3").text(), `"success":true`, "asking for the status it has is no move")
	assert.Equal(t, "2026-01-01T00:00:02Z", jobTask(t, s, job, ops[0]).EndedOn)
}

// TestUpdateTaskFormats: f=pjson, f=html, JSONP and auth, as getTask.
func TestUpdateTaskFormats(t *testing.T) {
	job, ops := readyJob(t)
	s := newServer(t, mockserver.WithRequireAuth())
	q := url.Values{"taskGroupJobId": {job}, "taskOperationId": {ops[0]}, "status": {"1"}}
	a := get(t, s, tpsURL("workflows/tasks/updateTask", q))
	assert.Contains(t, a.text(), "Token Required", "f=html is the default")
	assert.Equal(t, "text/html; charset=utf-8", a.header.Get("Content-Type"))
	q.Set("token", "expired")
	q.Set("f", "json")
	assert.Equal(t, 498, *decodeErr(t, get(t, s, tpsURL("workflows/tasks/updateTask", q))).Error.Code)
	q.Set("token", "secret")
	q.Set("f", "pjson")
	a = get(t, s, tpsURL("workflows/tasks/updateTask", q))
	assert.Equal(t, "{\n \"taskOperationId\": \""+ops[0]+"\",\n \"success\": true\n}", a.text())
	q.Set("f", "json")
	q.Set("callback", "done")
	a = get(t, s, tpsURL("workflows/tasks/updateTask", q))
	assert.Equal(t, `done({"taskOperationId":"`+ops[0]+`","success":true});`, a.text())
	q.Set("f", "html")
	a = get(t, s, tpsURL("workflows/tasks/updateTask", q))
	assert.Contains(t, a.text(), "<h2>updateTask (TopographicProductionServer)</h2>")
	assert.Contains(t, a.text(), "<b>taskOperationId:</b></td><td>"+ops[0])
}

// TestUpdateTaskStoredTask: a stored task is the story's override, and
// updateTask says it does not move it.
func TestUpdateTaskStoredTask(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	body := readTestdata(t, "esri-getTask-example.json")
	require.Less(t, sendAdmin(t, s, http.MethodPut, adminURL+"tasks/esri/"+opID, body).status, 300)
	e := decodeErr(t, update(t, s, groupID, opID, "status", "2"))
	assert.Contains(t, e.Error.Details[0], "is a stored task (admin)")
}

// TestOtherTaskIDsInAJob: an id outside a job's series is a task of the
// job from the first request that names it, a read included: it takes a
// place of its own (the drawn one, or the next free one), hasNextTask
// counts it, it starts only once the tasks before it have ended, and a
// refused update changes no status.
func TestOtherTaskIDsInAJob(t *testing.T) {
	s := newServer(t)
	job, ops := readyJob(t)
	g := fixtures.New(fixtures.WithClock(func() time.Time { return anchor }))
	j, err := g.EsriJob(job)
	require.NoError(t, err)
	// Two ids that draw the same place.
	seen := map[int]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		id := fmt.Sprintf("%08X-0000-4000-8000-%012X", i, i)
		p, err := j.Place(id)
		require.NoError(t, err)
		if other, ok := seen[p]; ok {
			a, b = other, id
		}
		seen[p] = id
	}
	before := hasNext(t, s, job)
	assert.Equal(t, fixtures.EsriJobSize, before.TaskCount, "the series alone")
	ta := jobTask(t, s, job, a)
	drawn, _ := j.Place(a)
	assert.Equal(t, drawn+1, ta.TaskOrder, "the first named takes its drawn place")
	assert.Equal(t, fixtures.EsriJobSize+1, hasNext(t, s, job).TaskCount, "a read names a task of the job: counted")
	tb := jobTask(t, s, job, b)
	assert.NotEqual(t, ta.TaskOrder, tb.TaskOrder, "the second takes another place")
	assert.Equal(t, tb.TaskOrder, jobTask(t, s, job, strings.ToLower(b)).TaskOrder, "and keeps it")
	assert.Equal(t, fixtures.EsriJobSize+2, hasNext(t, s, job).TaskCount)
	assert.Equal(t, strings.ToLower(ops[0]), hasNext(t, s, job).NextTaskOperationID, "the series comes first")

	// Reads and refused moves change no status.
	again := hasNext(t, s, job)
	jobTask(t, s, job, a)
	assert.Contains(t, update(t, s, job, b, "status", "3").text(), `"error"`, "not started: cannot complete")
	assert.Equal(t, again, hasNext(t, s, job))
	assert.Equal(t, tb, jobTask(t, s, job, b))

	// An extra starts only after every task before it ended.
	assert.Contains(t, update(t, s, job, a, "status", "2").text(), "starts once the tasks before it have ended")
	for _, op := range ops {
		require.Contains(t, update(t, s, job, op, "status", "2").text(), `"success":true`)
		require.Contains(t, update(t, s, job, op, "status", "3").text(), `"success":true`)
	}
	first, second := a, b
	if tb.TaskOrder < ta.TaskOrder {
		first, second = b, a
	}
	assert.Contains(t, update(t, s, job, second, "status", "2").text(), "starts once the tasks before it have ended", "the extras keep their order too")
	require.Contains(t, update(t, s, job, first, "status", "2").text(), `"success":true`)
	n := hasNext(t, s, job)
	assert.Equal(t, 1, n.TaskCount)
	assert.Equal(t, strings.ToLower(second), n.NextTaskOperationID)
}

// TestJobExtrasAreBoundedAndDistinct: past its bound a job refuses new ids
// the ArcGIS way, and no two of its tasks ever share a taskOrder.
func TestJobExtrasAreBoundedAndDistinct(t *testing.T) {
	s := newServer(t)
	job, ops := readyJob(t)
	orders := map[int]string{}
	for _, op := range ops {
		orders[jobTask(t, s, job, op).TaskOrder] = op
	}
	refused := 0
	for i := range 80 {
		id := fmt.Sprintf("%08X-1111-4000-8000-%012X", i, i)
		a := get(t, s, esriURL(url.Values{"f": {"json"}, "taskGroupJobId": {job}, "taskOperationId": {id}}))
		if strings.Contains(a.text(), `"error"`) {
			refused++
			assert.Contains(t, a.text(), "already has", "a full job says so")
			continue
		}
		task := jobTask(t, s, job, id)
		other, dup := orders[task.TaskOrder]
		assert.False(t, dup, "taskOrder %d of %s already belongs to %s", task.TaskOrder, id, other)
		orders[task.TaskOrder] = id
	}
	assert.Equal(t, 80-64, refused)
	assert.Equal(t, fixtures.EsriJobSize+64, hasNext(t, s, job).TaskCount)
}

// TestEsriProgressPolls: successive polls move the task along its story;
// planned dates, taskWorkId, assignee and effort stay, and no date moves
// backwards.
func TestEsriProgressPolls(t *testing.T) {
	s := newServer(t)
	g := fixtures.New(fixtures.WithClock(func() time.Time { return anchor }))
	for i := 0; i < 40; i++ {
		id := g.EsriIdentity(i)
		var prev fixtures.EsriTask
		for poll := 0; poll < 4; poll++ {
			task := jobTask(t, s, id.TaskGroupJobID, id.TaskOperationID, "Prefer", "scenario=progress")
			if poll > 0 {
				assert.Equal(t, []any{prev.StartOn, prev.EndOn, prev.TaskWorkID, prev.AssignTo, prev.LevelOfEffort, prev.TaskOrder},
					[]any{task.StartOn, task.EndOn, task.TaskWorkID, task.AssignTo, task.LevelOfEffort, task.TaskOrder}, "task %d poll %d", i, poll)
				assert.GreaterOrEqual(t, stage(task.StatusCode), stage(prev.StatusCode), "task %d poll %d", i, poll)
				if prev.StartedOn != "" {
					assert.Equal(t, prev.StartedOn, task.StartedOn, "a start stays")
				}
			}
			prev = task
		}
		assert.Contains(t, []string{"completed", "failed", "canceled"}, prev.Status, "task %d ends after polls", i)
	}
}

// stage orders the statuses of a task's life: not started, under way,
// ended.
func stage(code int) int {
	switch code {
	case fixtures.EsriNew, fixtures.EsriReady:
		return 0
	case fixtures.EsriInProgress:
		return 1
	}
	return 2
}

// TestHasNextTaskPath: the operation answers in any letter case of
// taskgroups, and names a task that getTask answers in the same job.
func TestHasNextTaskPath(t *testing.T) {
	s := newServer(t)
	job, _ := readyJob(t)
	for _, dir := range []string{"taskgroups", "taskGroups", "TASKGROUPS"} {
		a := get(t, s, tpsURL("workflows/"+dir+"/hasNextTask", url.Values{"f": {"json"}, "taskGroupJobId": {job}}))
		var n nextTask
		require.NoError(t, json.Unmarshal(a.body, &n), a.text())
		assert.True(t, n.HasNextTask, dir)
		task := jobTask(t, s, job, n.NextTaskOperationID)
		assert.Contains(t, []string{"new", "ready"}, task.Status)
	}
	e := decodeErr(t, get(t, s, tpsURL("workflows/taskgroups/hasNextTask", url.Values{"f": {"json"}})))
	assert.Equal(t, []string{"Invalid or missing input parameters: taskGroupJobId"}, e.Error.Details)
}

// TestGetTaskGroups: the seed's catalogue, filtered; a job belongs to one
// of its groups.
func TestGetTaskGroups(t *testing.T) {
	s := newServer(t)
	type groups struct {
		Count      int                      `json:"count"`
		TaskGroups []fixtures.EsriTaskGroup `json:"taskGroups"`
		Success    bool                     `json:"success"`
	}
	list := func(q url.Values) groups {
		q.Set("f", "json")
		a := postForm(t, s, "workflows/taskgroups/getTaskGroups", q)
		var g groups
		require.NoError(t, json.Unmarshal(a.body, &g), a.text())
		return g
	}
	all := list(url.Values{})
	require.True(t, all.Success)
	require.Equal(t, len(all.TaskGroups), all.Count)
	require.Greater(t, all.Count, 2)
	first := all.TaskGroups[0]
	assert.Equal(t, []fixtures.EsriTaskGroup{first}, list(url.Values{"taskGroupId": {"{" + strings.ToLower(first.TaskGroupID) + "}"}}).TaskGroups)
	assert.Equal(t, []fixtures.EsriTaskGroup{first}, list(url.Values{"name": {strings.ToUpper(first.Name)}}).TaskGroups)
	for _, tg := range list(url.Values{"productName": {first.ProductName}}).TaskGroups {
		assert.Equal(t, first.ProductName, tg.ProductName)
	}
	e := decodeErr(t, postForm(t, s, "workflows/taskgroups/getTaskGroups", url.Values{"f": {"json"}, "name": {"Nothing"}}))
	require.NotNil(t, e.Error.ExtendedCode)
	assert.Equal(t, -2147211775, *e.Error.ExtendedCode)
}

// TestExecuteTaskJob: the job id and a status URL on the mock's own host,
// which answers that the child job's status is not documented.
func TestExecuteTaskJob(t *testing.T) {
	s := newServer(t)
	q := url.Values{"f": {"json"}, "taskGroupJobId": {groupID}, "productName": {"MGCPPublishData"}, "productVersion": {"MGCP_50K_Replica"}}
	req := httptest.NewRequest(http.MethodGet, "http://tps.example:8080/server/rest/services/Prod/MapServer/exts/TopographicProductionServer/workflows/tasks/executeTaskJob?"+q.Encode(), nil)
	a := do(t, s, req)
	var res struct {
		JobID, StatusURL string
		Success          bool
	}
	require.NoError(t, json.Unmarshal(a.body, &res), a.text())
	assert.Equal(t, groupID, res.JobID)
	assert.Equal(t, "http://tps.example:8080/server/rest/services/Prod/MapServer/exts/TopographicProductionServer/jobs/"+strings.ToLower(groupID), res.StatusURL)
	assert.True(t, res.Success)

	e := decodeErr(t, get(t, s, res.StatusURL+"?f=json"))
	assert.Contains(t, e.Error.Details[0], "is not documented")

	for _, missing := range []string{"taskGroupJobId", "productName", "productVersion"} {
		q2 := url.Values{}
		for k, v := range q {
			if k != missing {
				q2[k] = v
			}
		}
		e := decodeErr(t, get(t, s, tpsURL("workflows/tasks/executeTaskJob", q2)))
		assert.Equal(t, []string{"Invalid or missing input parameters: " + missing}, e.Error.Details)
	}
	q.Set("productName", "Nope")
	e = decodeErr(t, get(t, s, tpsURL("workflows/tasks/executeTaskJob", q)))
	assert.Contains(t, e.Error.Details[0], "Invalid value for parameter productName")
}

// TestUnknownEsriOperation: a path under the server that the mock does not
// answer gets ArcGIS's envelope naming it, not the generic no-route body.
func TestUnknownEsriOperation(t *testing.T) {
	s := newServer(t)
	for _, p := range []string{"workflows/tasks/getTasks", "workflows/taskgroups/insertTasks", "workflows"} {
		e := decodeErr(t, get(t, s, tpsURL(p, url.Values{"f": {"json"}})))
		assert.Equal(t, 400, *e.Error.Code, p)
		assert.Equal(t, "Unable to complete operation.", e.Error.Message)
		assert.Contains(t, e.Error.Details[0], `/TopographicProductionServer/"`+p+`"`)
	}
	a := get(t, s, "http://mock.test/x/TopographicProductionServer/workflows/tasks/gettask?f=json&taskGroupJobId="+groupID+"&taskOperationId="+opID)
	requireValid(t, specs.Esri, a)
}

// TestEsriWorldDeterminism: the same requests against two servers with one
// seed and clock give the same bytes; a reset returns to the start.
func TestEsriWorldDeterminism(t *testing.T) {
	job, ops := readyJob(t)
	run := func(s http.Handler) []string {
		var out []string
		add := func(a answer) { out = append(out, a.text()) }
		for i, op := range ops {
			add(get(t, s, esriURL(url.Values{"f": {"json"}, "taskGroupJobId": {job}, "taskOperationId": {op}})))
			add(update(t, s, job, op, "status", "2"))
			add(update(t, s, job, op, "status", fmt.Sprint(3+i%2)))
			add(get(t, s, tpsURL("workflows/taskgroups/hasNextTask", url.Values{"f": {"json"}, "taskGroupJobId": {job}})))
			add(get(t, s, esriURL(url.Values{"f": {"json"}, "taskGroupJobId": {job}, "taskOperationId": {op}})))
			add(get(t, s, esriURL(url.Values{"f": {"json"}, "taskGroupJobId": {groupID}, "taskOperationId": {op}}), "Prefer", "scenario=progress"))
		}
		return out
	}
	one := newServer(t, mockserver.WithAdmin())
	two := newServer(t, mockserver.WithAdmin())
	first := run(one)
	assert.Equal(t, first, run(two))
	require.Equal(t, http.StatusNoContent, sendAdmin(t, one, http.MethodPost, adminURL+"reset", "").status)
	assert.Equal(t, first, run(one), "a reset returns to the start")
}

// TestEsriOpsSelfCheck: the self-check judges the answers of every
// operation, moved tasks included, and finds nothing.
func TestEsriOpsSelfCheck(t *testing.T) {
	var logs strings.Builder
	s := newServer(t, mockserver.WithSelfCheck(), mockserver.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	job, ops := readyJob(t)
	require.Contains(t, update(t, s, job, ops[0], "status", "2").text(), `"success":true`)
	hasNext(t, s, job)
	jobTask(t, s, job, ops[0])
	postForm(t, s, "workflows/taskgroups/getTaskGroups", url.Values{"f": {"json"}})
	get(t, s, tpsURL("workflows/tasks/executeTaskJob", url.Values{"f": {"json"}, "taskGroupJobId": {job}, "productName": {"MGCPPublishData"}, "productVersion": {"1"}}))
	decodeErr(t, update(t, s, job, ops[0], "status", "0"))
	assert.NotContains(t, logs.String(), "self-check")
	assert.Contains(t, logs.String(), "response=esri.op.updateTask")
}

// TestEsriWorldConcurrent: moves, polls and reads of one job from many
// goroutines leave one consistent job (run with -race).
func TestEsriWorldConcurrent(t *testing.T) {
	s := newServer(t)
	job, ops := readyJob(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 10 {
				op := ops[(i+k)%len(ops)]
				update(t, s, job, op, "status", fmt.Sprint(1+(i+k)%3))
				get(t, s, esriURL(url.Values{"f": {"json"}, "taskGroupJobId": {job}, "taskOperationId": {op}}), "Prefer", "scenario=progress")
				get(t, s, tpsURL("workflows/taskgroups/hasNextTask", url.Values{"f": {"json"}, "taskGroupJobId": {job}}))
			}
		}()
	}
	wg.Wait()
	running := 0
	for _, op := range ops {
		if jobTask(t, s, job, op).StatusCode == fixtures.EsriInProgress {
			running++
		}
	}
	assert.LessOrEqual(t, running, 1, "at most one task in progress")
}

// TestEsriServerSegmentAnyCase: the server's name in another letter case
// reaches the operations (ArcGIS service URLs are not case-sensitive),
// and a parameter given twice with different values is refused, naming
// it, rather than one of them being picked.
func TestEsriServerSegmentAnyCase(t *testing.T) {
	s := newServer(t)
	q := url.Values{"f": {"json"}, "taskGroupJobId": {groupID}, "taskOperationId": {opID}}
	for _, path := range []string{
		"/arcgis/rest/services/S/topographicproductionserver/workflows/tasks/getTask",
		"/arcgis/rest/services/S/TOPOGRAPHICPRODUCTIONSERVER/workflows/tasks/gettask",
	} {
		a := get(t, s, "http://mock.test"+path+"?"+q.Encode())
		requireValid(t, specs.Esri, a)
		assert.Contains(t, a.text(), `"success":true`, path)
	}
	a := get(t, s, "http://mock.test/arcgis/rest/services/S/topographicproductionserver/workflows/nope?f=json")
	assert.Contains(t, a.text(), `"error":{"code":400`, "an unknown operation under the server: an ArcGIS error")

	dup := q.Encode() + "&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5"
	a = get(t, s, esriURL(nil)[:len(esriURL(nil))-1]+"?"+dup)
	assert.Contains(t, a.text(), "taskOperationId is given 2 times with different values")
	same := q.Encode() + "&taskOperationId=" + opID
	assert.Contains(t, get(t, s, esriURL(nil)[:len(esriURL(nil))-1]+"?"+same).text(), `"success":true`, "the same value twice is no conflict")
}
