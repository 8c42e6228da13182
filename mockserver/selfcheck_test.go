package mockserver_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/taskmock/taskmock/mockserver"
)

func TestSelfCheckFindsNothing(t *testing.T) {
	var logs bytes.Buffer
	s := newServer(t, mockserver.WithSelfCheck(), mockserver.WithRequireAuth(), mockserver.WithErrorRate(0.3),
		mockserver.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	tok := []string{"Authorization", "Bearer t"}
	var requests []*http.Request
	add := func(method, target, body string, headers ...string) {
		var req *http.Request
		if body != "" {
			req = httptest.NewRequest(method, target, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, target, nil)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		requests = append(requests, req)
	}
	for _, f := range []string{"json", "pjson", "html", "", "xml"} {
		add("GET", esriURL(esriQuery(f, "token", "t")), "")
		add("GET", esriURL(esriQuery(f, "token", "t", "callback", "cb")), "")
		add("GET", esriURL(esriQuery(f, "token", "t", "callback", "alert(1)//")), "")
		add("GET", esriURL(esriQuery(f)), "")
		add("GET", esriURL(esriQuery(f, "token", "expired")), "")
		add("GET", esriURL(esriQuery(f, "token", "t", "taskGroupJobId", "")), "")
		for _, code := range []string{"400", "403", "404", "498", "499", "500", "-2147211775", "bad"} {
			add("GET", esriURL(esriQuery(f, "token", "t", "__code", code)), "")
		}
		add("POST", "http://mock.test"+mockserver.EsriPath, esriQuery(f, "token", "t").Encode())
	}
	for _, id := range []string{taskID, "x", "%20"} {
		add("GET", oracleURL(id, url.Values{"totalResultsGrouped": {"true"}}), "", tok...)
		add("GET", oracleURL(id, nil), "")
		add("GET", oracleURL(id, nil), "", "Authorization", "Bearer expired")
		for _, code := range []string{"401", "404", "429", "500", "503", "400"} {
			add("GET", oracleURL(id, nil), "", "Authorization", "Bearer t", "Prefer", "code="+code)
		}
		add("GET", oracleURL(id, nil), "", "Authorization", "Bearer t", "Prefer", "state=ASSIGNED, example=seed")
		add("DELETE", oracleURL(id, nil), "")
		add("OPTIONS", oracleURL(id, nil), "", "Origin", "http://a.example", "Access-Control-Request-Method", "GET")
	}
	for range 3 {
		for _, req := range requests {
			s.ServeHTTP(httptest.NewRecorder(), req.Clone(req.Context()))
		}
	}
	// The Oracle operations beside Get a Task, with JSON bodies read once.
	for round := range 3 {
		for i := range 12 {
			id := "self-" + string(rune('a'+i))
			for _, b := range []struct{ target, body string }{
				{oracleURL(id, nil) + "/reassign", `{"identities":[{"id":"u` + string(rune('a'+round)) + `"}],"comment":"c"}`},
				{oracleURL(id, nil) + "/reassign", `{"identities":[]}`},
				{"http://mock.test" + mockserver.OraclePrefix + "reassign", `{"taskIds":["` + id + `","a b"],"identities":[{"id":"g","type":"GROUP"}]}`},
				{"http://mock.test" + mockserver.OraclePrefix + "reassign", `{"taskIds":7}`},
			} {
				req := httptest.NewRequest(http.MethodPost, b.target, strings.NewReader(b.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer t")
				s.ServeHTTP(httptest.NewRecorder(), req)
			}
			for _, h := range [][]string{{"Authorization", "Bearer t"}, {"Authorization", "Bearer t", "Prefer", "scenario=progress"}} {
				req := httptest.NewRequest(http.MethodGet, oracleURL(id, nil), nil)
				for k := 0; k+1 < len(h); k += 2 {
					req.Header.Set(h[k], h[k+1])
				}
				s.ServeHTTP(httptest.NewRecorder(), req)
			}
			s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, oracleURL(id, nil)+"/comments", nil))
		}
	}
	assert.NotContains(t, logs.String(), "self-check")
	assert.Contains(t, logs.String(), "msg=request", "the requests were logged")
	assert.Contains(t, logs.String(), "response=oracle.op.reassignTask", "reassignments were answered")
	assert.Contains(t, logs.String(), "response=oracle.op.reassignTasks", "bulk reassignments were answered")
}
