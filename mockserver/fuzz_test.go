package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// FuzzServeHTTP sends the mock requests built from arbitrary parts: the
// method, path and query, the Prefer, Accept-Language and Authorization
// headers, and a body (a form for an Esri POST). Whatever they hold, the mock
// must answer without panicking, with a status it can send, and an answer of
// either API that it does not mark as the caller's mistake
// (Taskmock-Error) must keep the contract: a task, or a documented error.
func FuzzServeHTTP(f *testing.F) {
	esri := mockserver.EsriPath + "?taskGroupJobId=" + groupID + "&taskOperationId=" + opID
	for _, seed := range []struct{ method, target, prefer, lang, auth, body string }{
		{"GET", esri + "&f=json", "", "", "", ""},
		{"GET", esri + "&f=pjson&callback=cb", "status=inProgress", "de", "", ""},
		{"GET", esri + "&f=html", "example=seed", "fr-CA, es;q=0.5", "Bearer x", ""},
		{"POST", mockserver.EsriPath, "code=498", "", "", "f=json&taskGroupJobId=" + groupID + "&taskOperationId=" + opID},
		{"GET", "/process/api/v1/tasks/" + taskID, "", "", "Bearer demo", ""},
		{"GET", "/process/api/v1/tasks/42?totalResultsGrouped=true", "state=COMPLETED, substate=EXPIRED", "es", "", ""},
		{"GET", "/process/api/v1/tasks/42?__scenario=progress", "delay=0", "", "", ""},
		{"GET", "/process/api/v1/tasks/%2e%2e%2fetc", "code=429", "", "", ""},
		{"PUT", "/__taskmock/tasks/oracle/a", "", "", "", `{"id":"a"}`},
		{"DELETE", "/__taskmock/tasks/esri/" + opID, "", "", "", ""},
		{"OPTIONS", "/process/api/v1/tasks/1", "", "", "", ""},
	} {
		f.Add(seed.method, seed.target, seed.prefer, seed.lang, seed.auth, seed.body)
	}
	s := newServer(f, mockserver.WithAdmin(), mockserver.WithRequireAuth("old"))
	v := newValidator(f)
	f.Fuzz(func(t *testing.T, method, target, prefer, lang, auth, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \t\r\n#") || !validMethod(method) {
			t.Skip("not a request line a client can send")
		}
		req, err := http.NewRequest(method, "http://mock.test"+target, strings.NewReader(body))
		if err != nil {
			t.Skip("not a request line a client can send")
		}
		req.RemoteAddr = loopbackAddr
		req.Header.Set("Prefer", prefer)
		req.Header.Set("Accept-Language", lang)
		req.Header.Set("Authorization", auth)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if strings.Contains(strings.ToLower(prefer+target+body), "delay") {
			t.Skip("a delay makes the run slow, not different")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		require.GreaterOrEqual(t, w.Code, 100)
		require.Less(t, w.Code, 600)

		api, ok := contract.APIForRequest(method, req.URL.String())
		if !ok || w.Header().Get("Taskmock-Error") != "" {
			return
		}
		if w.Header().Get("Content-Type") != "application/json" && api == specs.Esri {
			return // f=html, pjson, JSONP: other shapes of the same answer
		}
		rep := v.Validate(contract.Exchange{API: api, Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()})
		for _, vi := range rep.Violations {
			if vi.Rule == contract.RuleErrorResponse {
				continue // a documented error, as asked or as the request deserves
			}
			assert.NotEqual(t, contract.SeverityError, vi.Severity, "%s %s\nPrefer: %s\n%s: %s %s", method, target, prefer, vi.Location, vi.Rule, vi.Message)
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPatch:
		return true
	}
	return false
}

// FuzzAdminGuard sends requests under /__taskmock/ with arbitrary methods,
// paths, Host, Origin, preflight method and Taskmock-Admin header, with the
// page's origin allowed by WithCORSOrigin. Whatever they hold, no answer
// grants CORS, and the stored tasks change only for a request that is not
// a read, whose Host names this machine and that carries the header.
func FuzzAdminGuard(f *testing.F) {
	for _, seed := range []struct{ method, path, host, origin, preflight, admin, body string }{
		{"POST", "/__taskmock/reset", "127.0.0.1:4010", evilOrigin, "", "", ""},
		{"POST", "/__taskmock/reset", "localhost:4010", "", "", "1", ""},
		{"PUT", "/__taskmock/tasks/oracle/a", "attacker.example", "", "", "1", `{"id":"a"}`},
		{"PUT", "/__taskmock/tasks/oracle/a", "[::1]:4010", "", "", "1", `{"id":"a"}`},
		{"OPTIONS", "/__taskmock/tasks/oracle/a", "localhost", evilOrigin, "PUT", "", ""},
		{"DELETE", "/__taskmock/tasks/oracle/edited", "LOCALHOST.", "", "", "yes", ""},
		{"DELETE", "/__taskmock/tasks/oracle/edited", "127.0.0.1.nip.io", "", "", "yes", ""},
		{"GET", "/__taskmock/health", "x", evilOrigin, "", "", ""},
	} {
		f.Add(seed.method, seed.path, seed.host, seed.origin, seed.preflight, seed.admin, seed.body)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "oracle-get-task-example.json"))
	require.NoError(f, err)
	var fields map[string]any
	require.NoError(f, json.Unmarshal(b, &fields))
	delete(fields, "id")
	edited, err := json.Marshal(fields)
	require.NoError(f, err)
	s := newServer(f, mockserver.WithAdmin(), mockserver.WithCORSOrigin(evilOrigin))
	list := func(t *testing.T) string { return get(t, s, adminURL+"tasks").text() }
	f.Fuzz(func(t *testing.T, method, path, host, origin, preflight, admin, body string) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n#") {
			t.Skip("not a request line a client can send")
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
		if err != nil {
			t.Skip("not a request line a client can send")
		}
		require.Less(t, sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/edited", string(edited)).status, 300)
		before := list(t)

		req.Host = host
		req.RemoteAddr = loopbackAddr
		for name, value := range map[string]string{"Origin": origin, "Access-Control-Request-Method": preflight, mockserver.AdminHeader: admin} {
			if value != "" {
				req.Header.Set(name, value)
			}
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if strings.HasPrefix(req.URL.Path, mockserver.AdminPrefix) {
			for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Private-Network", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods"} {
				require.Empty(t, w.Header().Get(h), "%s %s Host %q: %s", method, path, host, h)
			}
		}
		if list(t) == before {
			return
		}
		require.NotContains(t, []string{http.MethodGet, http.MethodHead, http.MethodOptions}, method, "a read changed the tasks")
		require.NotEmpty(t, admin, "%s %s changed the tasks without %s", method, path, mockserver.AdminHeader)
		name := strings.TrimSuffix((&url.URL{Host: host}).Hostname(), ".")
		ip, err := netip.ParseAddr(name)
		require.True(t, strings.EqualFold(name, "localhost") || err == nil && ip.Unmap().IsLoopback(),
			"%s %s changed the tasks with Host %q", method, path, host)
	})
}

// evilOrigin is the origin of a page that should not drive the admin API.
const evilOrigin = "https://evil.example"

// FuzzOracleReassign sends reassign and bulk reassign bodies made of
// arbitrary bytes and content types. Whatever they hold, the mock answers
// 204 or 200, or a refusal in Oracle's error shape (400, 404, 409) with a
// one-line Taskmock-Error, never panics, and a task it accepted to
// reassign still answers a valid task.
func FuzzOracleReassign(f *testing.F) {
	for _, seed := range []struct {
		bulk        bool
		contentType string
		body        string
	}{
		{false, "application/json", `{"identities":[{"id":"u","type":"USER"}],"comment":"c"}`},
		{true, "application/json", `{"taskIds":["a","b"],"identities":[{"id":"g","type":"GROUP"}]}`},
		{false, "application/json; charset=utf-8", `{"identities":[{"id":"u","id":"v"}]}`},
		{false, "application/json", `{"Identities":[{"ID":"u"}]}`},
		{true, "application/json", `{"taskIds":[1,2],"identities":{}}`},
		{false, "text/plain", `{"identities":[{"id":"u"}]}`},
		{false, "application/json", "{\"identities\":[{\"id\":\"\xff\"}]}"},
		{false, "application/json", `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`},
	} {
		f.Add(seed.bulk, seed.contentType, seed.body)
	}
	s := newServer(f)
	f.Fuzz(func(t *testing.T, bulk bool, contentType, body string) {
		if len(body) > 1<<16 {
			return
		}
		target := oracleURL("fuzz-task", nil) + "/reassign"
		if bulk {
			target = "http://mock.test" + mockserver.OraclePrefix + "reassign"
		}
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		a := do(t, s, req)
		switch a.status {
		case http.StatusNoContent:
			assert.Empty(t, a.body)
		case http.StatusOK:
			require.True(t, bulk, "200 answers the bulk operation only")
			requireValid(t, specs.Oracle, a)
		case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict:
			var p map[string]any
			require.NoError(t, json.Unmarshal(a.body, &p), a.text())
			assert.NotContains(t, a.header.Get("Taskmock-Error"), "\n")
		default:
			t.Fatalf("status %d: %s", a.status, a.text())
		}
		g := get(t, s, oracleURL("fuzz-task", nil))
		require.Equal(t, http.StatusOK, g.status)
		requireValid(t, specs.Oracle, g)
	})
}
