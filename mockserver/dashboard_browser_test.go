package mockserver_test

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/internal/browsertest"
	"github.com/taskmock/taskmock/mockserver"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/dashboard.png")

// waitFor polls a JavaScript condition in the page until it holds.
func waitFor(t *testing.T, b *browsertest.Browser, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a loaded CI machine
	for !browsertest.Eval[bool](b, expr) {
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard never showed %s (%s)", what, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// TestDashboardInChromium drives the dashboard in headless Chromium: a
// request the test makes appears in the live journal and opens to its
// answer; a 404 forced from the dashboard is what the next API call gets,
// once; an invalid edit shows its violation beside the field and stores
// nothing; the page asks for nothing beyond the mock. With -update the
// screenshot is kept as docs/dashboard.png for the README.
func TestDashboardInChromium(t *testing.T) {
	b := browsertest.New(t)
	srv := httptest.NewServer(newServer(t, mockserver.WithAdmin(), mockserver.WithJournal(100), mockserver.WithSelfCheck()))
	t.Cleanup(srv.Close)

	b.Open(srv.URL + mockserver.DashboardPath)
	waitFor(t, b, "its status line", `document.getElementById("status").textContent.includes("admin API on")`)

	// A request made by the test appears in the journal without a reload.
	status, _ := httpGet(t, srv.URL+"/process/api/v1/tasks/dash-1")
	require.Equal(t, http.StatusOK, status)
	waitFor(t, b, "the request in the journal", `[...document.querySelectorAll("#requests td.path")].some(td => td.textContent === "/process/api/v1/tasks/dash-1")`)
	b.Click(`#requests tbody tr:first-child button.row`)
	waitFor(t, b, "the answer of the request", `!document.getElementById("request-detail").hidden &&
		document.querySelector("#request-detail .response-body").textContent.includes('"id": "dash-1"')`)

	// The task is listed with its state; opening it shows it as served.
	waitFor(t, b, "the task in the list", `!!document.querySelector('#task-list tr[data-id="dash-1"]')`)
	b.Click(`#task-list tr[data-id="dash-1"] button.row`)
	waitFor(t, b, "the task's view", `document.getElementById("task-view").textContent.includes('"id": "dash-1"')`)

	// A 404 forced from the dashboard is what the next call gets, once.
	browsertest.Eval[bool](b, `(document.getElementById("force-code").value = "404") === "404"`)
	b.Click(`#force button[type=submit]`)
	waitFor(t, b, "the forced answer acknowledged", `document.getElementById("message").textContent.includes("code=404")`)
	status, body := httpGet(t, srv.URL+"/process/api/v1/tasks/dash-1")
	assert.Equal(t, http.StatusNotFound, status, body)
	status, _ = httpGet(t, srv.URL+"/process/api/v1/tasks/dash-1")
	assert.Equal(t, http.StatusOK, status, "a forced answer is used once")

	// An invalid edit shows its violation beside the field and stores nothing.
	b.Click(`#task-edit`)
	waitFor(t, b, "the editor", `!document.getElementById("editor").hidden && document.getElementById("edit-json").value.includes('"state"')`)
	browsertest.Eval[bool](b, `(() => { const ta = document.getElementById("edit-json");
		ta.value = ta.value.replace(/"state": "[A-Z]+"/, '"state": "DONE"'); return true; })()`)
	b.Click(`#edit-save`)
	waitFor(t, b, "the violation", `!document.getElementById("edit-errors").hidden`)
	assert.True(t, browsertest.Eval[bool](b, `!!document.querySelector('#edit-violations li[data-loc="/state"][data-rule="schema-enum"]')`),
		"the violation is listed with its location and rule")
	assert.Equal(t, `"DONE"`, browsertest.Eval[string](b, `document.querySelector('#edit-marked mark[data-loc="/state"]').textContent`),
		"the offending value is marked in the task")
	_, list := httpGet(t, srv.URL+"/__taskmock/tasks")
	assert.JSONEq(t, `{"tasks": []}`, list, "nothing stored")
	_, task := httpGet(t, srv.URL+"/process/api/v1/tasks/dash-1")
	assert.NotContains(t, task, `"DONE"`)

	png := filepath.Join(t.TempDir(), "dashboard.png")
	b.Screenshot(png)
	shot, err := os.ReadFile(png)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(shot), "\x89PNG"))
	if *updateDocs {
		require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "dashboard.png"), shot, 0o644))
	}

	for _, u := range b.Requests() {
		assert.True(t, strings.HasPrefix(u, srv.URL+"/__taskmock/"), "the page asked for %s", u)
	}
}

// TestDashboardByKeyboardInChromium: a person who uses only the keyboard
// reaches every control with Tab: opens a request of the journal and a
// task with Enter, the opened panel taking the focus, and forces a 404 that
// the next API call gets. Every control has a name a screen reader says.
func TestDashboardByKeyboardInChromium(t *testing.T) {
	b := browsertest.New(t)
	srv := httptest.NewServer(newServer(t, mockserver.WithAdmin(), mockserver.WithJournal(100)))
	t.Cleanup(srv.Close)

	b.Open(srv.URL + mockserver.DashboardPath)
	waitFor(t, b, "its status line", `document.getElementById("status").textContent.includes("admin API on")`)
	status, _ := httpGet(t, srv.URL+"/process/api/v1/tasks/kbd-1")
	require.Equal(t, http.StatusOK, status)
	waitFor(t, b, "the request in the journal", `!!document.querySelector("#requests tbody button.row")`)

	// tabTo presses Tab until the focused element matches selector.
	tabTo := func(selector string) {
		t.Helper()
		for range 100 {
			if browsertest.Eval[bool](b, `!!document.activeElement && document.activeElement.matches(`+strconv.Quote(selector)+`)`) {
				return
			}
			b.Press("\t")
		}
		t.Fatalf("Tab never reached %s (stopped on %s)", selector, browsertest.Eval[string](b, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
	}

	tabTo(`#requests tbody tr:first-child button.row`)
	b.Press("\r")
	waitFor(t, b, "the request opened", `!document.getElementById("request-detail").hidden &&
		document.querySelector("#request-detail .response-body").textContent.includes('"id": "kbd-1"')`)
	waitFor(t, b, "the opened request to take the focus", `document.activeElement.id === "request-detail"`)

	waitFor(t, b, "the task in the list", `!!document.querySelector('#task-list tr[data-id="kbd-1"]')`)
	tabTo(`#task-list tr[data-id="kbd-1"] button.row`)
	// The list is rebuilt every few seconds; the focus stays on the row.
	status, _ = httpGet(t, srv.URL+"/process/api/v1/tasks/kbd-2")
	require.Equal(t, http.StatusOK, status)
	waitFor(t, b, "the list rebuilt with a new task", `!!document.querySelector('#task-list tr[data-id="kbd-2"]')`)
	assert.Equal(t, "kbd-1", browsertest.Eval[string](b, `document.activeElement.closest("tr") ? document.activeElement.closest("tr").dataset.id : document.activeElement.tagName`),
		"the focus stays on the task's row when the list is rebuilt")
	b.Press("\r")
	waitFor(t, b, "the task opened", `document.getElementById("task-view").textContent.includes('"id": "kbd-1"')`)
	waitFor(t, b, "the opened task to take the focus", `document.activeElement.id === "task-panel"`)

	tabTo(`#force-delay`)
	b.Press("1ms")
	tabTo(`#force-code`)
	b.Press("404")
	require.Equal(t, "404", browsertest.Eval[string](b, `document.getElementById("force-code").value`), "a code chosen by typing it")
	tabTo(`#force button[type=submit]`)
	b.Press("\r")
	waitFor(t, b, "the forced answer acknowledged", `document.getElementById("message").textContent.includes("code=404")`)
	status, _ = httpGet(t, srv.URL+"/process/api/v1/tasks/kbd-1")
	assert.Equal(t, http.StatusNotFound, status)

	unnamed := browsertest.Eval[[]string](b, `[...document.querySelectorAll("button, input, select, textarea, [tabindex]")]
		.filter(e => !(e.textContent.trim() || e.labels && e.labels.length || e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") || e.title))
		.map(e => e.outerHTML.slice(0, 80))`)
	assert.Empty(t, unnamed, "controls without an accessible name")
}

// TestDashboardReadOnlyInChromium: without the admin API the dashboard
// shows the journal and the tasks, says why its controls are off, and
// its actions are refused by the server too.
func TestDashboardReadOnlyInChromium(t *testing.T) {
	b := browsertest.New(t)
	srv := httptest.NewServer(newServer(t, mockserver.WithJournal(10)))
	t.Cleanup(srv.Close)
	b.Open(srv.URL + mockserver.DashboardPath)
	waitFor(t, b, "its status line", `document.getElementById("status").textContent.includes("read-only")`)
	assert.True(t, browsertest.Eval[bool](b, `!document.getElementById("admin-note").hidden`))
	assert.True(t, browsertest.Eval[bool](b, `document.getElementById("reset-all").disabled && document.querySelector("#force button[type=submit]").disabled`))
	req, _ := http.NewRequest(http.MethodPut, srv.URL+mockserver.NextPath+"oracle/1", strings.NewReader(`{"code": 404}`))
	req.Header.Set(mockserver.AdminHeader, "1")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
}

// TestDashboardFromAnotherOriginInChromium: a page of another origin, in
// a real browser, can neither read the dashboard's data nor force, reset
// or frame anything, and the mock refuses its requests before any work.
func TestDashboardFromAnotherOriginInChromium(t *testing.T) {
	b := browsertest.New(t)
	mock := httptest.NewServer(newServer(t, mockserver.WithAdmin(), mockserver.WithJournal(10)))
	t.Cleanup(mock.Close)
	page := `<!DOCTYPE html><html><body><pre id="out"></pre>
<iframe id="f" src="` + mock.URL + `/__taskmock/"></iframe>
<script>
const out = document.getElementById("out"), M = "` + mock.URL + `";
const log = (s) => out.textContent += s + "\n";
(async () => {
  for (const [name, url, opts] of [
    ["state", "/__taskmock/state", {}],
    ["journal", "/__taskmock/requests", {}],
    ["force", "/__taskmock/next/oracle/42", {method: "PUT", headers: {"Taskmock-Admin": "1"}, body: '{"code": 404}'}],
    ["reset one", "/__taskmock/world/oracle/42", {method: "DELETE", headers: {"Taskmock-Admin": "1"}}],
    ["reset all", "/__taskmock/reset", {method: "POST", mode: "no-cors"}],
  ]) {
    try { const r = await fetch(M + url, opts); log(name + " read " + r.status); } catch (e) { log(name + " blocked"); }
  }
  log("done");
})();
</script></body></html>`
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(evil.Close)

	status, _ := httpGet(t, mock.URL+"/process/api/v1/tasks/42")
	require.Equal(t, http.StatusOK, status)
	b.Open(evil.URL)
	waitFor(t, b, "the page's attempts", `document.getElementById("out").textContent.includes("done")`)
	out := browsertest.Eval[string](b, `document.getElementById("out").textContent`)
	for _, line := range []string{"state blocked", "journal blocked", "force blocked", "reset one blocked"} {
		assert.Contains(t, out, line)
	}
	assert.NotContains(t, out, " read 2", "no answer was readable")
	framed := browsertest.Eval[bool](b, `(() => { try { return !!document.getElementById("f").contentDocument; } catch (e) { return false; } })()`)
	assert.False(t, framed, "the dashboard is not framed")

	_, next := httpGet(t, mock.URL+"/__taskmock/next/")
	assert.JSONEq(t, `{"next": []}`, next, "nothing forced")
	status, _ = httpGet(t, mock.URL+"/process/api/v1/tasks/42")
	assert.Equal(t, http.StatusOK, status)
}
