package mockserver_test

import (
	"net/http"
	"net/http/httptest"
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
