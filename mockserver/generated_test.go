package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

func TestGeneratedTasksValidate(t *testing.T) {
	s := newServer(t, mockserver.WithSeed(5))
	gen := fixtures.New(fixtures.WithSeed(5))
	langs := []string{"", "de-DE,de;q=0.9", "fr", "es-MX"}
	for i := 0; i < 150; i++ {
		id := gen.EsriIdentity(i)
		lang := langs[i%len(langs)]
		f := []string{"json", "pjson", "html"}[i%3]
		a := get(t, s, esriURL(esriQuery(f, "taskGroupJobId", id.TaskGroupJobID, "taskOperationId", id.TaskOperationID)), "Accept-Language", lang)
		requireValid(t, specs.Esri, a)

		oid := gen.OracleIdentity(i)
		if i%5 == 0 {
			oid = "task-" + strconv.Itoa(i)
		}
		a = get(t, s, oracleURL(oid, url.Values{"totalResultsGrouped": {strconv.FormatBool(i%2 == 0)}}), "Accept-Language", lang)
		requireValid(t, specs.Oracle, a)
		assert.Equal(t, oid, decodeOracle(t, a.body).ID)
	}
}

func TestGeneratedConstraints(t *testing.T) {
	s := newServer(t)
	for _, st := range contract.EsriStatuses {
		t.Run("esri status "+st.Name, func(t *testing.T) {
			for i, op := range []string{opID, "0d4e6a4c-1f0b-4bb1-9f53-6c3c7f6e2a10", "{11111111-2222-3333-4444-555555555555}"} {
				spelled := st.Name
				if i == 1 {
					spelled = strings.ToUpper(st.Name)
				}
				a := get(t, s, esriURL(esriQuery("json", "taskOperationId", op)), "Prefer", "status="+spelled)
				requireValid(t, specs.Esri, a)
				var body struct {
					Task struct {
						Status     string `json:"status"`
						StatusCode int    `json:"statusCode"`
					} `json:"task"`
				}
				require.NoError(t, json.Unmarshal(a.body, &body))
				assert.Equal(t, st.Code, body.Task.StatusCode)
			}
		})
	}
	for _, st := range contract.OracleStates {
		t.Run("oracle state "+st.State, func(t *testing.T) {
			for _, sub := range append([]string{""}, st.Substates...) {
				prefer := "state=" + strings.ToLower(st.State)
				if sub != "" {
					prefer += ", substate=" + sub
				}
				for p := 1; p <= 3; p++ {
					a := get(t, s, oracleURL("t-"+sub, nil), "Prefer", prefer+", priority="+strconv.Itoa(p))
					requireValid(t, specs.Oracle, a)
					var task struct {
						State    string `json:"state"`
						Substate string `json:"substate"`
						Priority int    `json:"priority"`
					}
					require.NoError(t, json.Unmarshal(a.body, &task))
					assert.Equal(t, st.State, task.State)
					if sub != "" {
						assert.Equal(t, sub, task.Substate)
					}
					assert.Equal(t, p, task.Priority)
				}
			}
		})
	}
}

func TestSeedsGiveDifferentTasks(t *testing.T) {
	one := get(t, newServer(t, mockserver.WithSeed(1)), oracleURL("same-id", nil))
	two := get(t, newServer(t, mockserver.WithSeed(2)), oracleURL("same-id", nil))
	assert.NotEqual(t, one.text(), two.text())
}

func TestDefaultSeedIsTheGenerators(t *testing.T) {
	// The mock's task is the generator's, byte for byte, with the links of
	// the request's host: "taskmock fixtures" and the mock agree.
	task, err := fixtures.New(fixtures.WithClock(func() time.Time { return anchor }), fixtures.WithBaseURL("http://mock.test")).
		Oracle(taskID, fixtures.Request{})
	require.NoError(t, err)
	want, err := json.Marshal(task)
	require.NoError(t, err)
	a := get(t, newServer(t), oracleURL(taskID, nil))
	assert.Equal(t, string(want), a.text())

	resp, err := fixtures.New(fixtures.WithClock(func() time.Time { return anchor })).
		Esri(fixtures.EsriID{TaskGroupJobID: groupID, TaskOperationID: opID}, fixtures.Request{})
	require.NoError(t, err)
	want, err = json.Marshal(resp)
	require.NoError(t, err)
	a = get(t, newServer(t, mockserver.WithSeed(mockserver.DefaultSeed)), esriURL(esriQuery("json")))
	assert.Equal(t, string(want), a.text())
}

func ExampleServer_ServeHTTP() {
	s, err := mockserver.New(mockserver.WithClock(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "http://localhost:4010/process/api/v1/tasks/42", nil)
	req.Header.Set("Prefer", "code=404")
	s.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 404 application/json; charset=utf-8
	// {"type":"https://tools.ietf.org/html/rfc7231#section-6.5.4","title":"Not Found","status":404,"detail":"Task not found for given ID","o:errorCode":"404"}
}
