package mockserver_test

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/specs"
)

// oracleTask is what the tests read of an Oracle task.
type oracleTask struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	State string `json:"state"`
	Links []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
	TotalResultsGrouped *struct {
		Total, Open, Closed, Overdue int
	} `json:"totalResultsGrouped"`
}

func decodeOracle(t *testing.T, body []byte) oracleTask {
	t.Helper()
	var task oracleTask
	require.NoError(t, json.Unmarshal(body, &task), "body: %s", body)
	return task
}

// oracleProblem is the Oracle error body.
type oracleProblem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	ErrorCode string `json:"o:errorCode"`
}

func decodeProblem(t *testing.T, body []byte) oracleProblem {
	t.Helper()
	var p oracleProblem
	dec := json.NewDecoder(bytesReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&p), "one consistent body: %s", body)
	return p
}

func TestOracleTask(t *testing.T) {
	s := newServer(t)
	a := get(t, s, oracleURL(taskID, nil))
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))
	assert.Equal(t, "en", a.header.Get("Content-Language"))
	requireValid(t, specs.Oracle, a)
	task := decodeOracle(t, a.body)
	assert.Equal(t, taskID, task.ID)
	assert.Nil(t, task.TotalResultsGrouped, "counts only with totalResultsGrouped=true")
}

func TestOracleLinks(t *testing.T) {
	s := newServer(t)
	const id = "0f8fad5b-d9cb-469f-a165-70867728950e"
	tests := []struct {
		name    string
		target  string
		headers []string
		tls     bool
		base    string
	}{
		{"the request's host", "http://mock.test:4010" + "/process/api/v1/tasks/" + id, nil, false, "http://mock.test:4010"},
		{"TLS", "https://opa.example.com/process/api/v1/tasks/" + id, nil, true, "https://opa.example.com"},
		{"X-Forwarded-Proto", "http://mock.test/process/api/v1/tasks/" + id, []string{"X-Forwarded-Proto", "https"}, false, "https://mock.test"},
		{"oci-original-url wins, its path ignored", "http://mock.test/process/api/v1/tasks/" + id,
			[]string{"oci-original-url", "https://opa-abc.process.oci.oraclecloud.com/somewhere/else?x=1", "X-Forwarded-Proto", "http"}, false,
			"https://opa-abc.process.oci.oraclecloud.com"},
		{"a relative oci-original-url is ignored", "http://mock.test/process/api/v1/tasks/" + id,
			[]string{"oci-original-url", "/process/api/v1/tasks/" + id}, false, "http://mock.test"},
		{"a non-http oci-original-url is ignored", "http://mock.test/process/api/v1/tasks/" + id,
			[]string{"oci-original-url", "javascript://evil.example/%0aalert(1)"}, false, "http://mock.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			} else {
				req.TLS = nil
			}
			a := do(t, s, req)
			requireValid(t, specs.Oracle, a)
			task := decodeOracle(t, a.body)
			require.Len(t, task.Links, 5)
			want := map[string]string{
				"self":      tt.base + "/process/api/v1/tasks/" + id,
				"parent":    tt.base + "/process/api/v1/tasks",
				"comments":  tt.base + "/process/api/v1/tasks/" + id + "/comments",
				"documents": tt.base + "/process/api/v1/tasks/" + id + "/documents",
				"payload":   tt.base + "/process/api/v1/tasks/" + id + "/payload",
			}
			for _, l := range task.Links {
				assert.Equal(t, want[l.Rel], l.Href, l.Rel)
			}
		})
	}
}

func TestOracleTotalResultsGrouped(t *testing.T) {
	s := newServer(t)
	for _, id := range []string{taskID, "a", "b", "c", "task-42"} {
		a := get(t, s, oracleURL(id, url.Values{"totalResultsGrouped": {"true"}}))
		requireValid(t, specs.Oracle, a)
		g := decodeOracle(t, a.body).TotalResultsGrouped
		require.NotNil(t, g, id)
		assert.Equal(t, g.Total, g.Open+g.Closed, id)
		assert.LessOrEqual(t, g.Overdue, g.Open, id)

		again := get(t, s, oracleURL(id, url.Values{"totalResultsGrouped": {"true"}}))
		assert.Equal(t, a.text(), again.text(), "the same task has the same counts")
	}
	a := get(t, s, oracleURL(taskID, url.Values{"totalResultsGrouped": {"false"}}))
	assert.Nil(t, decodeOracle(t, a.body).TotalResultsGrouped)
}

func TestOracleErrors(t *testing.T) {
	s := newServer(t)
	t.Run("an id that is not well formed is not found", func(t *testing.T) {
		for _, id := range []string{"%20", "a%09b", "x%00", "%FF", strings.Repeat("a", 257)} {
			a := get(t, s, oracleURL(id, nil))
			require.Equal(t, http.StatusNotFound, a.status, id)
			p := decodeProblem(t, a.body)
			assert.Equal(t, oracleProblem{Type: "https://tools.ietf.org/html/rfc7231#section-6.5.4", Title: "Not Found", Status: 404,
				Detail: "Task not found for given ID", ErrorCode: "404"}, p)
			requireVendorError(t, specs.Oracle, a)
		}
	})
	t.Run("other methods", func(t *testing.T) {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			a := do(t, s, httptest.NewRequest(m, oracleURL(taskID, nil), nil))
			assert.Equal(t, http.StatusMethodNotAllowed, a.status, m)
			assert.Equal(t, "GET, HEAD, OPTIONS", a.header.Get("Allow"))
			p := decodeProblem(t, a.body)
			assert.Equal(t, 405, p.Status)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		a := do(t, s, httptest.NewRequest(http.MethodHead, oracleURL(taskID, nil), nil))
		assert.Equal(t, http.StatusOK, a.status)
	})
	t.Run("linked resources are not implemented, other paths not found, in Oracle's shape", func(t *testing.T) {
		for p, want := range map[string]int{
			"/process/api/v1/tasks/":            http.StatusNotImplemented,
			"/process/api/v1/tasks":             http.StatusNotImplemented,
			"/process/api/v1/tasks/x/comments":  http.StatusNotImplemented,
			"/process/api/v1/tasks/x/documents": http.StatusNotImplemented,
			"/process/api/v1/tasks/x/payload":   http.StatusNotImplemented,
			"/process/api/v1/tasks/a%2Fb/":      http.StatusNotFound,
			"/process/api/v1/tasks/x/history":   http.StatusNotFound,
			"/process/api/v1/processes":         http.StatusNotFound,
		} {
			a := get(t, s, "http://mock.test"+p)
			assert.Equal(t, want, a.status, p)
			pr := decodeProblem(t, a.body)
			assert.Equal(t, want, pr.Status, p)
			assert.NotEmpty(t, pr.Detail, p)
			assert.NotEmpty(t, a.header.Get("Taskmock-Error"), p)
			assert.NotContains(t, a.text(), `"error":"no route"`, p)
		}
	})
}

func TestOracleLanguage(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name, accept, prefer, want string
	}{
		{"none", "", "", "en"},
		{"German", "de-DE,de;q=0.9,en;q=0.8", "", "de"},
		{"French by quality", "en;q=0.5, fr-CA", "", "fr"},
		{"unknown", "ja", "", "en"},
		{"the seed example is English", "de", "example=seed", "en"},
	}
	var english oracleTask
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := get(t, s, oracleURL(taskID, nil), "Accept-Language", tt.accept, "Prefer", tt.prefer)
			requireValid(t, specs.Oracle, a)
			assert.Equal(t, tt.want, a.header.Get("Content-Language"))
			assert.Contains(t, a.header.Values("Vary"), "Accept-Language")
			task := decodeOracle(t, a.body)
			if tt.name == "none" {
				english = task
			} else if tt.prefer == "" {
				assert.Equal(t, english.State, task.State, "the same task in another language")
			}
		})
	}
}
