package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
)

// dashState reads GET /__taskmock/state.
func dashState(t *testing.T, h http.Handler) mockserver.DashState {
	t.Helper()
	a := get(t, h, adminURL+"state")
	require.Equal(t, http.StatusOK, a.status, a.text())
	var st mockserver.DashState
	require.NoError(t, json.Unmarshal(a.body, &st))
	return st
}

func findTask(st mockserver.DashState, api, id string) *mockserver.DashTask {
	for i, t := range st.Tasks {
		if string(t.API) == api && strings.EqualFold(t.ID, id) {
			return &st.Tasks[i]
		}
	}
	return nil
}

// TestDashboardNextAnswer: an answer forced for a task is what its next
// getTask gets, once, whatever the request asks; it is checked as a
// request's controls are; the dashboard's own look at the task does not
// use it; a reset forgets it.
func TestDashboardNextAnswer(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	put := func(target, body string) answer { return sendAdmin(t, s, http.MethodPut, adminURL+target, body) }

	require.Equal(t, http.StatusNoContent, put("next/oracle/t-1", `{"code": 404}`).status)
	st := dashState(t, s)
	require.NotNil(t, findTask(st, "oracle", "t-1"))
	assert.Equal(t, map[string]string{"code": "404"}, findTask(st, "oracle", "t-1").Next)
	view := get(t, s, adminURL+"view/oracle/t-1")
	assert.Contains(t, view.text(), `"status":200`, "the dashboard's look does not take the forced answer")

	assert.Equal(t, http.StatusNotFound, get(t, s, oracleURL("t-1", nil)).status)
	assert.Equal(t, http.StatusOK, get(t, s, oracleURL("t-1", nil)).status, "once")

	require.Equal(t, http.StatusNoContent, put("next/oracle/t-1", `{"state": "COMPLETED", "delay": "1ms"}`).status)
	a := get(t, s, oracleURL("t-1", nil))
	requireValid(t, "oracle", a)
	assert.Contains(t, a.text(), `"state":"COMPLETED"`)

	require.Equal(t, http.StatusNoContent, put("next/esri/"+opID, `{"status": "completed"}`).status)
	a = get(t, s, esriURL(esriQuery("json")))
	assert.Contains(t, a.text(), `"status":"completed"`)

	for body, want := range map[string]string{
		`{"code": 418}`:     `"code: expected one of 200, 401, 404, 429, 500, 503, found \"418\""`,
		`{"state": "NOPE"}`: `"state: expected one of`,
		`{"colour": "red"}`: "unknown control",
		`{}`:                "no control given",
		`[1]`:               "expected a JSON object",
		`{"code": [404]}`:   "expected a string or a number",
		`{"code": 404} {}`:  "expected a JSON object",
		`{"delay": "1h"}`:   `"delay: expected a duration`,
	} {
		a := put("next/oracle/t-2", body)
		assert.Equal(t, http.StatusBadRequest, a.status, body)
		assert.Contains(t, a.text(), want, body)
	}
	assert.Nil(t, findTask(dashState(t, s), "oracle", "t-2"), "nothing kept of a refused answer")
	assert.Equal(t, http.StatusRequestEntityTooLarge, put("next/oracle/t-2", `{"delay": "`+strings.Repeat("1", 5000)+`"}`).status)
	assert.Equal(t, http.StatusNotFound, put("next/nope/t-2", `{"code": 404}`).status)

	require.Equal(t, http.StatusNoContent, put("next/oracle/t-3", `{"code": 500}`).status)
	assert.Equal(t, http.StatusNoContent, sendAdmin(t, s, http.MethodDelete, adminURL+"next/oracle/t-3", "").status)
	assert.Equal(t, http.StatusNotFound, sendAdmin(t, s, http.MethodDelete, adminURL+"next/oracle/t-3", "").status)
	assert.Equal(t, http.StatusOK, get(t, s, oracleURL("t-3", nil)).status)

	require.Equal(t, http.StatusNoContent, put("next/oracle/t-4", `{"code": 500}`).status)
	require.Equal(t, http.StatusNoContent, sendAdmin(t, s, http.MethodPost, adminURL+"reset", "").status)
	assert.Equal(t, http.StatusOK, get(t, s, oracleURL("t-4", nil)).status, "a reset forgets forced answers")
}

// TestDashboardResetOneTask: resetting one task brings it back to its
// untouched story, and leaves the others where requests moved them.
func TestDashboardResetOneTask(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	poll := func(id string) string {
		return get(t, s, oracleURL(id, map[string][]string{"__scenario": {"progress"}})).text()
	}
	a, b := newTask(t, s, "reset-a"), newTask(t, s, "reset-b")
	untouched := get(t, s, oracleURL(a, nil)).text()
	poll(a)
	poll(a)
	poll(b)
	poll(b)
	moved := get(t, s, oracleURL(b, nil)).text()
	require.NotEqual(t, untouched, get(t, s, oracleURL(a, nil)).text())
	st := dashState(t, s)
	require.NotNil(t, findTask(st, "oracle", a))
	assert.True(t, findTask(st, "oracle", a).Touched)

	require.Equal(t, http.StatusNoContent, sendAdmin(t, s, http.MethodDelete, adminURL+"world/oracle/"+a, "").status)
	assert.Equal(t, untouched, get(t, s, oracleURL(a, nil)).text())
	assert.Equal(t, moved, get(t, s, oracleURL(b, nil)).text(), "the other task is untouched by the reset")
	if a := findTask(dashState(t, s), "oracle", a); a != nil {
		assert.False(t, a.Touched, "listed as asked for (the journal), no longer as moved")
	}

	// An Esri task is reset with its job.
	q := esriQuery("json", "__scenario", "progress")
	before := get(t, s, esriURL(esriQuery("json"))).text()
	get(t, s, esriURL(q))
	get(t, s, esriURL(q))
	require.NotEqual(t, before, get(t, s, esriURL(esriQuery("json"))).text())
	require.NotNil(t, findTask(dashState(t, s), "esri", opID))
	require.Equal(t, http.StatusNoContent, sendAdmin(t, s, http.MethodDelete, adminURL+"world/esri/"+opID+"?job="+groupID, "").status)
	assert.Equal(t, before, get(t, s, esriURL(esriQuery("json"))).text())

	// A stored task's edit is undone.
	require.Less(t, sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/c", `{"id": "c", "title": "Edited", "state": "ASSIGNED"}`).status, 300)
	require.Contains(t, get(t, s, oracleURL("c", nil)).text(), `"Edited"`)
	require.Equal(t, http.StatusNoContent, sendAdmin(t, s, http.MethodDelete, adminURL+"world/oracle/c", "").status)
	assert.NotContains(t, get(t, s, oracleURL("c", nil)).text(), `"Edited"`)
}

// TestDashboardGuards: the dashboard and its routes answer as the admin
// API does: loopback clients with a loopback Host, no CORS, actions with
// the admin header only and with WithAdmin; its page cannot be framed and
// fetches nothing from elsewhere.
func TestDashboardGuards(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin(), mockserver.WithCORSOrigin("*"))
	page := get(t, s, adminURL)
	require.Equal(t, http.StatusOK, page.status)
	assert.Equal(t, "DENY", page.header.Get("X-Frame-Options"))
	assert.Contains(t, page.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Contains(t, page.header.Get("Content-Security-Policy"), "default-src 'none'")
	assert.Empty(t, page.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, page.text(), "/__taskmock/ui/dashboard.js")
	for _, asset := range []string{"ui/dashboard.js", "ui/dashboard.css"} {
		assert.Equal(t, http.StatusOK, get(t, s, adminURL+asset).status, asset)
	}
	assert.Equal(t, http.StatusNotFound, get(t, s, adminURL+"ui/../admin.go").status)
	assert.Equal(t, http.StatusNotFound, get(t, s, adminURL+"ui/index.html").status)

	for _, target := range []string{"", "state", "view/oracle/1", "next/"} {
		req := httptest.NewRequest(http.MethodGet, "http://evil.example"+mockserver.AdminPrefix+target, nil)
		req.RemoteAddr = loopbackAddr
		assert.Equal(t, http.StatusForbidden, do(t, s, req).status, "rebound Host: %s", target)
		req = httptest.NewRequest(http.MethodGet, adminURL+target, nil)
		req.RemoteAddr = "192.0.2.7:5000"
		assert.Equal(t, http.StatusForbidden, do(t, s, req).status, "another machine: %s", target)
		req = httptest.NewRequest(http.MethodOptions, adminURL+target, nil)
		req.RemoteAddr = loopbackAddr
		req.Header.Set("Origin", "http://evil.example")
		req.Header.Set("Access-Control-Request-Method", "PUT")
		a := do(t, s, req)
		assert.Equal(t, http.StatusForbidden, a.status, "preflight: %s", target)
		assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))
	}
	for _, site := range []string{"cross-site", "same-site"} {
		for _, target := range []string{"", "state", "view/oracle/1", "tasks"} {
			req := httptest.NewRequest(http.MethodGet, adminURL+target, nil)
			req.RemoteAddr = loopbackAddr
			req.Header.Set("Sec-Fetch-Site", site)
			a := do(t, s, req)
			assert.Equal(t, http.StatusForbidden, a.status, "a page of another origin: %s %s", site, target)
			assert.Contains(t, a.text(), "Sec-Fetch-Site")
		}
	}
	for _, site := range []string{"same-origin", "none"} {
		req := httptest.NewRequest(http.MethodGet, adminURL+"state", nil)
		req.RemoteAddr = loopbackAddr
		req.Header.Set("Sec-Fetch-Site", site)
		assert.Equal(t, http.StatusOK, do(t, s, req).status, "the dashboard itself, or its address typed: %s", site)
	}
	for _, target := range []string{"next/oracle/1", "world/oracle/1"} {
		req := httptest.NewRequest(http.MethodPut, adminURL+target, strings.NewReader(`{"code": 404}`))
		if strings.HasPrefix(target, "world") {
			req.Method = http.MethodDelete
		}
		req.RemoteAddr = loopbackAddr
		assert.Equal(t, http.StatusForbidden, do(t, s, req).status, "no admin header: %s", target)
	}
	assert.Equal(t, http.StatusOK, get(t, s, oracleURL("1", nil)).status, "nothing was forced")
}

// TestDashboardStateListsTasks: the tasks the journal saw, the world moved
// and the store holds are listed once each, with their current answer,
// and the dashboard's looks are not journaled.
func TestDashboardStateListsTasks(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin(), mockserver.WithJournal(50))
	get(t, s, oracleURL("seen", nil))
	get(t, s, oracleURL("polled", map[string][]string{"__scenario": {"progress"}}))
	get(t, s, esriURL(esriQuery("json")))
	require.Less(t, sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/kept", `{"id": "kept", "title": "Kept", "state": "WITHDRAWN"}`).status, 300)
	st := dashState(t, s)
	assert.True(t, st.Admin)
	assert.True(t, st.Journal)
	seen := findTask(st, "oracle", "seen")
	require.NotNil(t, seen)
	assert.True(t, seen.Requested)
	assert.Equal(t, http.StatusOK, seen.Status)
	assert.NotEmpty(t, seen.State)
	polled := findTask(st, "oracle", "polled")
	require.NotNil(t, polled)
	assert.True(t, polled.Touched && polled.Requested)
	kept := findTask(st, "oracle", "kept")
	require.NotNil(t, kept)
	assert.True(t, kept.Stored)
	assert.Equal(t, "WITHDRAWN", kept.State)
	esri := findTask(st, "esri", opID)
	require.NotNil(t, esri)
	assert.Equal(t, groupID, esri.Job)
	assert.NotEmpty(t, esri.State)
	assert.True(t, esri.Requested)

	// An Esri task named in a POSTed form, as the ArcGIS client sends it.
	form := "f=json&taskGroupJobId=" + groupID + "&taskOperationId=0A8E2F3C-5B6D-4E7F-8091-A2B3C4D5E6F7"
	req := httptest.NewRequest(http.MethodPost, "http://mock.test"+mockserver.EsriPath, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = loopbackAddr
	do(t, s, req)
	posted := findTask(dashState(t, s), "esri", "0A8E2F3C-5B6D-4E7F-8091-A2B3C4D5E6F7")
	require.NotNil(t, posted, "a task named in a POSTed form is listed")
	assert.Equal(t, groupID, posted.Job)
	assert.True(t, posted.Requested)
	n := 0
	for _, t := range st.Tasks {
		if t.ID == "seen" {
			n++
		}
	}
	assert.Equal(t, 1, n)

	before := s.Journal().Latest()
	dashState(t, s)
	get(t, s, adminURL+"view/oracle/seen")
	assert.Equal(t, before, s.Journal().Latest(), "the dashboard's looks are not journaled")
}
