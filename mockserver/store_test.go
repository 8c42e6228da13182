package mockserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// fixtureDir writes files (name to content) into a new directory.
func fixtureDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return dir
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func TestFixtures(t *testing.T) {
	dir := fixtureDir(t, map[string]string{
		"oracle/1f15bc3a-5948-11ef-873e-0242ac15001b.json":                                    readTestdata(t, "oracle-get-task-example.json"),
		"esri/A031377A-E3C5-4C1A-A081-56285228A3A3_F6208AD7-D10C-4E1C-AB8A-6CA429AD559C.json": readTestdata(t, "esri-getTask-example.json"),
		"README.txt": "not a task",
	})
	s := newServer(t, mockserver.WithFixtures(dir))

	t.Run("an Oracle fixture, its links under the request's host", func(t *testing.T) {
		a := get(t, s, oracleURL(taskID, nil))
		requireValid(t, specs.Oracle, a)
		task := decodeOracle(t, a.body)
		assert.Equal(t, "COMPLETED", task.State)
		assert.Equal(t, "http://mock.test/process/api/v1/tasks/"+taskID, task.Links[0].Href)
		assert.Contains(t, a.text(), `"title":"User task V1"`)
		assert.Empty(t, a.header.Get("Content-Language"), "the language of a fixture is unknown")

		a = get(t, s, oracleURL(taskID, url.Values{"totalResultsGrouped": {"true"}}))
		requireValid(t, specs.Oracle, a)
		assert.NotNil(t, decodeOracle(t, a.body).TotalResultsGrouped)
	})
	t.Run("an Esri fixture for its taskOperationId, spelled as asked, in any group", func(t *testing.T) {
		op := "{" + strings.ToLower(opID) + "}"
		a := get(t, s, esriURL(esriQuery("json", "taskGroupJobId", "0d4e6a4c-1f0b-4bb1-9f53-6c3c7f6e2a10", "taskOperationId", op)))
		requireValid(t, specs.Esri, a)
		want := strings.ReplaceAll(readTestdata(t, "esri-getTask-example.json"), opID, op)
		assert.JSONEq(t, want, a.text())
	})
	t.Run("counts recorded in a fixture go only with totalResultsGrouped=true", func(t *testing.T) {
		recorded := strings.Replace(readTestdata(t, "oracle-get-task-example.json"), `"tags": []`,
			`"tags": [], "totalResultsGrouped": {"total": 2, "open": 1, "closed": 1, "overdue": 0}`, 1)
		recorded = strings.ReplaceAll(recorded, taskID, "recorded-1")
		s := newServer(t, mockserver.WithFixtures(fixtureDir(t, map[string]string{"r.json": recorded})))
		a := get(t, s, oracleURL("recorded-1", nil))
		requireValid(t, specs.Oracle, a)
		assert.Nil(t, decodeOracle(t, a.body).TotalResultsGrouped)
		a = get(t, s, oracleURL("recorded-1", url.Values{"totalResultsGrouped": {"true"}}))
		requireValid(t, specs.Oracle, a)
		assert.Equal(t, 2, decodeOracle(t, a.body).TotalResultsGrouped.Total, "the recorded counts")
	})
	t.Run("other ids are generated", func(t *testing.T) {
		a := get(t, s, oracleURL("other", nil))
		requireValid(t, specs.Oracle, a)
		assert.NotContains(t, a.text(), "User task V1")
	})
	t.Run("a constraint the fixture does not meet", func(t *testing.T) {
		a := get(t, s, oracleURL(taskID, nil), "Prefer", "state=ASSIGNED")
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Contains(t, a.header.Get("Taskmock-Error"), "the stored task ("+dir)
		a = get(t, s, esriURL(esriQuery("json", "__status", "completed")))
		assert.Contains(t, a.header.Get("Taskmock-Error"), "has status new")
	})
}

// deep is a task with a member nested 200 levels deep: beyond
// jsonlimit.DefaultMaxDepth, far below encoding/json's own limit.
var deep = `{"id":"deep","title":"x","x":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`

func TestFixturesInvalid(t *testing.T) {
	valid := readTestdata(t, "oracle-get-task-example.json")
	tests := []struct {
		name  string
		files map[string]string
		want  []string // one error line each
	}{
		{"undocumented state", map[string]string{"bad.json": strings.Replace(valid, `"COMPLETED"`, `"DONE"`, 1)},
			[]string{`bad.json: oracle task 1f15bc3a-5948-11ef-873e-0242ac15001b violates the contract: /state schema-enum: expected one of`}},
		{"not JSON", map[string]string{"x.json": "{"},
			[]string{"x.json: not a JSON object: "}},
		{"an Esri error envelope", map[string]string{"e.json": `{"task": null, "error": {"code": 400, "message": "x"}}`},
			[]string{`e.json: not a getTask body: expected {"task": {...}, "success": true}`}},
		{"no id", map[string]string{"n.json": `{"state": "ASSIGNED"}`},
			[]string{`n.json: the task has no well-formed id (found "")`}},
		{"the same id twice", map[string]string{"a.json": valid, "b.json": valid},
			[]string{"b.json: oracle task 1f15bc3a-5948-11ef-873e-0242ac15001b is also in "}},
		{"nested too deep", map[string]string{"deep.json": deep},
			[]string{"deep.json: JSON nested deeper than 128 levels (at byte 156)"}},
		{"two bad files", map[string]string{"p.json": "[]", "q.json": "7"},
			[]string{"p.json: not a JSON object", "q.json: not a JSON object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixtureDir(t, tt.files)
			_, err := mockserver.New(mockserver.WithFixtures(dir))
			require.Error(t, err)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tt.want), err.Error())
			for i, w := range tt.want {
				assert.True(t, strings.HasPrefix(lines[i], "mockserver: fixture "+dir), lines[i])
				assert.Contains(t, lines[i], w)
			}
		})
	}
	t.Run("a missing directory", func(t *testing.T) {
		_, err := mockserver.New(mockserver.WithFixtures(filepath.Join(t.TempDir(), "nope")))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no such file or directory")
	})
}

func TestAdmin(t *testing.T) {
	dir := fixtureDir(t, map[string]string{"seed.json": readTestdata(t, "oracle-get-task-example.json")})
	admin := adminURL

	t.Run("off by default", func(t *testing.T) {
		a := get(t, newServer(t), admin+"tasks")
		assert.Equal(t, http.StatusNotFound, a.status)
	})

	s := newServer(t, mockserver.WithAdmin(), mockserver.WithFixtures(dir))
	send := func(method, target, body string) answer { return sendAdmin(t, s, method, target, body) }
	list := func() []map[string]string {
		var body struct{ Tasks []map[string]string }
		require.NoError(t, json.Unmarshal(get(t, s, admin+"tasks").body, &body))
		return body.Tasks
	}

	assert.Equal(t, []map[string]string{{"api": "oracle", "id": taskID, "source": filepath.Join(dir, "seed.json")}}, list())

	t.Run("an unknown route is told every route", func(t *testing.T) {
		a := get(t, s, admin+"journal")
		require.Equal(t, http.StatusNotFound, a.status)
		var body struct{ Error, Detail string }
		require.NoError(t, json.Unmarshal(a.body, &body))
		assert.Equal(t, "no route", body.Error)
		for _, route := range []string{"/__taskmock/ (the dashboard)", "/__taskmock/state", "/__taskmock/requests", "/__taskmock/tasks", "/__taskmock/next/{api}/{id}", "/__taskmock/world/{api}/{id}", "/__taskmock/reset", "/__taskmock/health"} {
			assert.Contains(t, body.Detail, route)
		}
	})

	// An Oracle task stored for an id, then answered by the API.
	// A task without an id takes the one of its URL.
	var fields map[string]any
	require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "oracle-get-task-example.json")), &fields))
	delete(fields, "id")
	fields["title"] = "Approve the invoice"
	b, err := json.Marshal(fields)
	require.NoError(t, err)
	task := string(b)
	a := send(http.MethodPut, admin+"tasks/oracle/inv-7", task)
	require.Equal(t, http.StatusCreated, a.status, a.text())
	a = get(t, s, oracleURL("inv-7", nil))
	requireValid(t, specs.Oracle, a)
	assert.Equal(t, "inv-7", decodeOracle(t, a.body).ID)
	assert.Equal(t, "http://mock.test/process/api/v1/tasks/inv-7/comments", decodeOracle(t, a.body).Links[2].Href, "links follow the id")
	assert.Contains(t, a.text(), "Approve the invoice")
	assert.Equal(t, http.StatusOK, send(http.MethodPut, admin+"tasks/oracle/inv-7", task).status, "replaced")
	assert.Equal(t, http.StatusOK, get(t, s, admin+"tasks/oracle/inv-7").status)

	// An Esri task, keyed by its taskOperationId in any spelling.
	esri := readTestdata(t, "esri-getTask-example.json")
	a = send(http.MethodPut, admin+"tasks/esri/"+strings.ToLower(opID), esri)
	require.Equal(t, http.StatusCreated, a.status, a.text())
	requireValid(t, specs.Esri, get(t, s, esriURL(esriQuery("json"))))
	assert.Len(t, list(), 3)

	t.Run("invalid tasks are refused with their violations", func(t *testing.T) {
		a := send(http.MethodPut, admin+"tasks/oracle/x", `{"id":"x","state":"DONE","priority":9}`)
		require.Equal(t, http.StatusBadRequest, a.status)
		var body struct {
			Error      string
			Violations []struct{ Severity, Rule, Location, Message string }
		}
		require.NoError(t, json.Unmarshal(a.body, &body))
		assert.Contains(t, body.Error, "invalid task: oracle task x violates the contract")
		require.Len(t, body.Violations, 2)
		assert.Equal(t, "/priority", body.Violations[0].Location)
		assert.Equal(t, "schema-enum", body.Violations[1].Rule)

		a = send(http.MethodPut, admin+"tasks/oracle/deep", deep)
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.JSONEq(t, `{"error":"invalid task: JSON nested deeper than 128 levels (at byte 156)","violations":[]}`, a.text())

		a = send(http.MethodPut, admin+"tasks/oracle/x", `{"id":"y"}`)
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Contains(t, a.text(), `the task's id \"y\" is not \"x\"`)

		a = send(http.MethodPut, admin+"tasks/esri/not-a-guid", esri)
		assert.Equal(t, http.StatusBadRequest, a.status)

		a = send(http.MethodPut, admin+"tasks/esri/"+groupID, esri)
		assert.Contains(t, a.text(), "is not")
		assert.Equal(t, http.StatusNotFound, send(http.MethodGet, admin+"tasks/jira/1", "").status)
	})

	assert.Equal(t, http.StatusNoContent, send(http.MethodDelete, admin+"tasks/oracle/inv-7", "").status)
	assert.Equal(t, http.StatusNotFound, send(http.MethodDelete, admin+"tasks/oracle/inv-7", "").status)
	assert.NotContains(t, get(t, s, oracleURL("inv-7", nil)).text(), "Approve the invoice", "generated again")

	assert.Equal(t, http.StatusNoContent, send(http.MethodPost, admin+"reset", "").status)
	assert.Len(t, list(), 1, "back to the fixtures")

	assert.Equal(t, http.StatusMethodNotAllowed, send(http.MethodGet, admin+"reset", "").status)
	assert.Equal(t, http.StatusMethodNotAllowed, send(http.MethodPost, admin+"tasks", "").status)
	assert.Equal(t, http.StatusOK, get(t, s, "http://mock.test"+mockserver.HealthPath).status)
}

func TestScenarioProgress(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	t.Run("oracle", func(t *testing.T) {
		var states []string
		for range 4 {
			a := get(t, s, oracleURL("poll-0", nil), "Prefer", "scenario=progress") // a story still at its start
			requireValid(t, specs.Oracle, a)
			states = append(states, decodeOracle(t, a.body).State)
		}
		assert.Equal(t, []string{"UNASSIGNED", "ASSIGNED", "COMPLETED", "COMPLETED"}, states)
		a := get(t, s, oracleURL("poll-2", url.Values{"__scenario": {"progress"}}))
		assert.Equal(t, "UNASSIGNED", decodeOracle(t, a.body).State, "each task has its own progress")
	})
	t.Run("esri", func(t *testing.T) {
		var statuses []string
		for range 4 {
			a := get(t, s, esriURL(esriQuery("json")), "Prefer", "scenario=progress")
			requireValid(t, specs.Esri, a)
			statuses = append(statuses, decodeEsri(t, a.body).Task.Status)
		}
		assert.Equal(t, []string{"new", "inProgress", "completed", "completed"}, statuses)
	})
	t.Run("reset starts again", func(t *testing.T) {
		require.Equal(t, http.StatusNoContent, sendAdmin(t, s, http.MethodPost, adminURL+"reset", "").status)
		a := get(t, s, oracleURL("poll-0", nil), "Prefer", "scenario=progress")
		assert.Equal(t, "UNASSIGNED", decodeOracle(t, a.body).State)
	})
	t.Run("conflicts", func(t *testing.T) {
		for _, prefer := range []string{"scenario=progress, state=ASSIGNED", "scenario=progress, example=seed", "scenario=later"} {
			a := get(t, s, oracleURL("poll-3", nil), "Prefer", prefer)
			assert.Equal(t, http.StatusBadRequest, a.status, prefer)
			assert.NotEmpty(t, a.header.Get("Taskmock-Error"))
		}
		a := get(t, s, esriURL(esriQuery("json")), "Prefer", "scenario=progress, status=new")
		assert.Equal(t, 400, *decodeEsri(t, a.body).Error.Code)
	})
}

func TestAdminStoreBounds(t *testing.T) {
	dir := fixtureDir(t, map[string]string{"seed.json": readTestdata(t, "oracle-get-task-example.json")})
	var logs bytes.Buffer
	s := newServer(t, mockserver.WithAdmin(), mockserver.WithFixtures(dir), mockserver.WithStoreLimits(2, 1<<20),
		mockserver.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	admin := adminURL
	put := func(id, title string) answer {
		var fields map[string]any
		require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "oracle-get-task-example.json")), &fields))
		fields["id"], fields["title"] = id, title
		b, err := json.Marshal(fields)
		require.NoError(t, err)
		return sendAdmin(t, s, http.MethodPut, admin+"tasks/oracle/"+url.PathEscape(id), string(b))
	}
	title := func(id string) string { return decodeOracle(t, get(t, s, oracleURL(id, nil)).body).Title }
	fixtureTitle := title(taskID)

	require.Equal(t, http.StatusOK, put(taskID, "over the fixture").status)
	require.Equal(t, http.StatusCreated, put("a-1", "first").status)
	a := put("a-2", "second")
	require.Equal(t, http.StatusCreated, a.status)
	assert.Equal(t, "oracle/"+taskID, a.header.Get("Taskmock-Evicted"), "the oldest edit goes")
	assert.Contains(t, logs.String(), `level=WARN msg="admin store full: evicted the tasks stored longest ago" count=1 evicted=oracle/`+taskID+` max_tasks=2 max_bytes=1048576`)
	assert.Equal(t, fixtureTitle, title(taskID), "the fixture answers again")
	assert.Equal(t, "first", title("a-1"))

	a = put("a-3", "third")
	assert.Equal(t, "oracle/a-1", a.header.Get("Taskmock-Evicted"))
	assert.NotEqual(t, "first", title("a-1"), "generated again")
	assert.Empty(t, put("a-3", "third again").header.Get("Taskmock-Evicted"), "a replacement evicts nothing")

	t.Run("ids are path-escaped", func(t *testing.T) {
		require.Equal(t, http.StatusCreated, put("a,b/ü", "odd").status)
		put("a-4", "fourth")
		a := put("a-5", "fifth")
		assert.Equal(t, "oracle/a%2Cb%2F%C3%BC", a.header.Get(mockserver.EvictedHeader))
	})

	t.Run("a PUT that evicts thousands names them in a bounded header", func(t *testing.T) {
		var logs bytes.Buffer
		s := newServer(t, mockserver.WithAdmin(), mockserver.WithStoreLimits(100000, 1<<20),
			mockserver.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		small := strings.Repeat("x", 200)
		n := 0
		for size := 0; size < 1<<20-4<<10; n++ {
			body := fmt.Sprintf(`{"id":"t-%04d","title":%q}`, n, small)
			a := sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/"+fmt.Sprintf("t-%04d", n), body)
			require.Equal(t, http.StatusCreated, a.status, a.text())
			require.Empty(t, a.header.Get(mockserver.EvictedHeader))
			size += len(body)
		}
		require.Greater(t, n, 4000)
		big := `{"id":"big","title":"` + strings.Repeat("y", 1<<20-64) + `"}`
		a := sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/big", big)
		require.Equal(t, http.StatusCreated, a.status, a.text())

		var list struct{ Tasks []map[string]string }
		require.NoError(t, json.Unmarshal(get(t, s, adminURL+"tasks").body, &list))
		evicted := n - (len(list.Tasks) - 1)
		require.Greater(t, evicted, 4000)

		h := a.header.Get(mockserver.EvictedHeader)
		assert.LessOrEqual(t, len(h), 1<<10+len(", and 99999 more"))
		names, more, ok := strings.Cut(h, ", and ")
		require.True(t, ok, h)
		listed := strings.Split(names, ", ")
		assert.Equal(t, "oracle/t-0000", listed[0], "oldest first")
		assert.Equal(t, "oracle/t-0001", listed[1])
		assert.Equal(t, fmt.Sprintf("%d more", evicted-len(listed)), more)

		var line string
		for l := range strings.Lines(logs.String()) {
			if strings.Contains(l, "level=WARN") {
				require.Empty(t, line, "one warning")
				line = l
			}
		}
		assert.Contains(t, line, fmt.Sprintf("count=%d evicted=", evicted))
		assert.Less(t, len(line), 2<<10, "the log line is bounded too")
	})

	t.Run("limits are checked", func(t *testing.T) {
		_, err := mockserver.New(mockserver.WithStoreLimits(0, 1<<20))
		assert.ErrorContains(t, err, "store limits")
		_, err = mockserver.New(mockserver.WithStoreLimits(10, 1000))
		assert.ErrorContains(t, err, "store limits")
	})
}

// TestFixturesNDJSON: an NDJSON file of tasks, as taskmock fixtures writes
// it, is served task by task; a bad line is named by its line number.
func TestFixturesNDJSON(t *testing.T) {
	g := fixtures.New(fixtures.WithClock(func() time.Time { return anchor }))
	var lines []string
	var ids []string
	for i := range 3 {
		task, err := g.Oracle(g.OracleIdentity(i), fixtures.Request{})
		require.NoError(t, err)
		b, err := json.Marshal(task)
		require.NoError(t, err)
		lines = append(lines, string(b))
		ids = append(ids, task.ID)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "tasks.ndjson")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n\n"), 0o644))
	s := newServer(t, mockserver.WithFixtures(file))
	for _, id := range ids {
		a := get(t, s, oracleURL(id, nil))
		require.Equal(t, http.StatusOK, a.status)
		requireValid(t, specs.Oracle, a)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(lines[0]+"\n{\"id\":\n"), 0o644))
	_, err := mockserver.New(mockserver.WithFixtures(bad))
	require.Error(t, err)
	assert.Contains(t, err.Error(), bad+":2:")
	assert.NotContains(t, err.Error(), bad+":1:")
}

// TestAdminRefusesAmbiguousJSON: a task or a forced answer whose JSON
// parsers read differently (a member given twice, bytes not UTF-8) is
// refused with a 400 naming it, not stored and served as given.
func TestAdminRefusesAmbiguousJSON(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	good := readTestdata(t, "oracle-get-task-example.json")
	dup := strings.Replace(good, "{", `{"state": "COMPLETED",`, 1)
	bad8 := strings.Replace(good, `"title": "`, "\"title\": \"\xff", 1)
	require.NotEqual(t, good, bad8)
	for name, tc := range map[string]struct{ target, body, detail string }{
		"a task member twice":   {"tasks/oracle/dup1", dup, "the member /state is given twice; give it once"},
		"a task not UTF-8":      {"tasks/oracle/bad8", bad8, "not valid UTF-8"},
		"a nested member twice": {"tasks/oracle/dup2", strings.Replace(good, `"rel": "self"`, `"rel": "self", "rel": "x"`, 1), "the member /links/0/rel is given twice"},
		"a control twice":       {"next/oracle/dup3", `{"code": 404, "code": 500}`, "the member /code is given twice"},
	} {
		t.Run(name, func(t *testing.T) {
			a := sendAdmin(t, s, http.MethodPut, adminURL+tc.target, tc.body)
			assert.Equal(t, http.StatusBadRequest, a.status, a.text())
			assert.Contains(t, a.text(), tc.detail)
		})
	}
	served := get(t, s, oracleURL("dup1", nil))
	assert.Equal(t, http.StatusOK, served.status)
	assert.Equal(t, 1, strings.Count(served.text(), `"state"`), "a generated task, one state")
	assert.Equal(t, http.StatusOK, get(t, s, oracleURL("dup3", nil)).status, "no answer was forced")
}
