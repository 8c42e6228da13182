package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// The security tests: each fails if the protection it names is removed.

// TestSecurityJSONPCallback: a callback that is not a plain JavaScript
// name is refused with an ArcGIS 400 as JSON, never reflected, never served
// as JavaScript; every answer carries nosniff, so that a browser cannot run
// a JSON body as a script.
func TestSecurityJSONPCallback(t *testing.T) {
	s := newServer(t)
	payloads := []string{
		"alert(1)//",
		"alert(document.cookie);cb",
		"</script><script>alert(1)</script>",
		`cb"onload="alert(1)`,
		"cb\nalert(1)",
		"cb\u2028alert(1)",
		"cb%28%29",
		"(function(){})()",
		"x=1;y",
		"cb[0]",
		"cb/**/",
		"\xff\xfe",
		strings.Repeat("a", 200),
	}
	send := func(t *testing.T, method, cb string) answer {
		t.Helper()
		if method == http.MethodGet {
			return get(t, s, esriURL(esriQuery("json", "callback", cb)))
		}
		req := httptest.NewRequest(http.MethodPost, "http://mock.test"+mockserver.EsriPath, strings.NewReader(esriQuery("json", "callback", cb).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, s, req)
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, cb := range payloads {
			t.Run(method+" "+cb, func(t *testing.T) {
				a := send(t, method, cb)
				require.Equal(t, http.StatusOK, a.status)
				assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"), "never served as JavaScript")
				assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))
				assert.NotContains(t, a.text(), cb, "the name is never reflected")
				assert.NotContains(t, a.text(), "alert")
				assert.NotContains(t, a.text(), "<")
				e := decodeEsri(t, a.body)
				require.NotNil(t, e.Error)
				assert.Equal(t, 400, *e.Error.Code)
			})
		}
		t.Run(method+" a plain name is wrapped, as JavaScript", func(t *testing.T) {
			a := send(t, method, "app.tasks.show")
			assert.Equal(t, "application/javascript; charset=utf-8", a.header.Get("Content-Type"))
			assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))
			assert.True(t, strings.HasPrefix(a.text(), `app.tasks.show({"task":{`), a.text())
			assert.True(t, strings.HasSuffix(a.text(), "});"), a.text())
		})
	}
}

// TestSecurityScriptInTaskValues: markup in a task's string fields, stored
// through a fixture or the admin API, is escaped on the f=html page and
// written as \u003c in every JSON answer.
func TestSecurityScriptInTaskValues(t *testing.T) {
	const evil = `</td><script>alert("x")</script><img src=x onerror=alert(1)>`
	var esriTask map[string]any
	require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "esri-getTask-example.json")), &esriTask))
	esriTask["task"].(map[string]any)["assignTo"] = evil
	esriBody, err := json.Marshal(esriTask)
	require.NoError(t, err)

	var oracleTask map[string]any
	require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "oracle-get-task-example.json")), &oracleTask))
	oracleTask["title"] = evil
	oracleBody, err := json.Marshal(oracleTask)
	require.NoError(t, err)

	fromFixture := newServer(t, mockserver.WithFixtures(fixtureDir(t, map[string]string{
		"esri.json": string(esriBody), "oracle.json": string(oracleBody),
	})))
	fromAdmin := newServer(t, mockserver.WithAdmin())
	for _, put := range []struct{ path, body string }{
		{"esri/" + opID, string(esriBody)},
		{"oracle/" + taskID, string(oracleBody)},
	} {
		req := httptest.NewRequest(http.MethodPut, "http://mock.test"+mockserver.AdminPrefix+"tasks/"+put.path, strings.NewReader(put.body))
		req.RemoteAddr = loopbackAddr
		a := do(t, fromAdmin, req)
		require.Equal(t, http.StatusCreated, a.status, a.text())
		assert.NotContains(t, a.text(), "<script>", "the admin API's echo is escaped too")
	}

	for name, s := range map[string]*mockserver.Server{"fixture": fromFixture, "admin": fromAdmin} {
		t.Run(name, func(t *testing.T) {
			a := get(t, s, esriURL(esriQuery("html")))
			require.Equal(t, "text/html; charset=utf-8", a.header.Get("Content-Type"))
			assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))
			assert.NotContains(t, a.text(), "<script>")
			assert.NotContains(t, a.text(), "<img")
			assert.Contains(t, a.text(), "<tr><td><b>assignTo:</b></td><td>&lt;/td&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</td></tr>")

			for _, a := range []answer{
				get(t, s, esriURL(esriQuery("json"))),
				get(t, s, esriURL(esriQuery("pjson"))),
				get(t, s, esriURL(esriQuery("json", "callback", "cb"))),
				get(t, s, oracleURL(taskID, nil)),
			} {
				assert.NotContains(t, a.text(), "<", a.req.URL.String())
				assert.NotContains(t, a.text(), ">", a.req.URL.String())
				assert.Contains(t, a.text(), `\u003c/td\u003e\u003cscript\u003ealert(\"x\")`, a.req.URL.String())
			}
		})
	}
}

// TestSecurityPathTraversal: ids are keys of the mock's memory, never
// paths. Ids that climb out of the fixture directory, in any spelling, or
// name an absolute path, never read or write a file and never cause a 500.
func TestSecurityPathTraversal(t *testing.T) {
	root := t.TempDir()
	const secretTitle = "TOP SECRET, outside the fixtures"
	var secret map[string]any
	require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "oracle-get-task-example.json")), &secret))
	secret["title"] = secretTitle
	secret["id"] = "secret"
	b, err := json.Marshal(secret)
	require.NoError(t, err)
	secretFile := filepath.Join(root, "secret.json")
	require.NoError(t, os.WriteFile(secretFile, b, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "secret"), b, 0o600))

	// A fixture whose own id climbs: it is a key like any other.
	climbing := map[string]any{}
	require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "oracle-get-task-example.json")), &climbing))
	climbing["id"] = "../../secret.json"
	cb, err := json.Marshal(climbing)
	require.NoError(t, err)
	dir := filepath.Join(root, "fixtures")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "oracle"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "oracle", "climbing.json"), cb, 0o644))
	before := listTree(t, root)

	s := newServer(t, mockserver.WithFixtures(dir), mockserver.WithAdmin())
	ids := []string{
		"../secret.json",
		"..%2Fsecret.json",
		"..%2fsecret",
		"%2e%2e%2fsecret.json",
		"%2E%2E%2F%2E%2E%2Fsecret.json",
		"..%5Csecret.json",
		"....%2F%2Fsecret.json",
		"%252e%252e%252fsecret.json",
		url.PathEscape(secretFile),
		"%2Fetc%2Fpasswd",
		"%2Fproc%2Fself%2Fenviron",
		"..%00secret.json",
		"%c0%ae%c0%ae%2fsecret.json",
	}
	wantNoSecret := func(t *testing.T, a answer) {
		t.Helper()
		assert.Less(t, a.status, 500, "%s %s: %s", a.req.Method, a.req.URL, a.text())
		assert.NotContains(t, a.text(), "TOP SECRET")
		assert.NotContains(t, a.text(), "root:")
	}
	admin := "http://mock.test" + mockserver.AdminPrefix + "tasks/"
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			wantNoSecret(t, get(t, s, "http://mock.test"+mockserver.OraclePrefix+id))
			wantNoSecret(t, get(t, s, esriURL(esriQuery("json", "taskOperationId", id))))
			wantNoSecret(t, get(t, s, esriURL(esriQuery("html", "taskGroupJobId", id))))
			for _, api := range []string{"oracle", "esri", "..", "%2e%2e"} {
				wantNoSecret(t, get(t, s, admin+api+"/"+id))
				req := httptest.NewRequest(http.MethodDelete, admin+api+"/"+id, nil)
				req.RemoteAddr = loopbackAddr
				wantNoSecret(t, do(t, s, req))
				req = httptest.NewRequest(http.MethodPut, admin+api+"/"+id, strings.NewReader(string(cb)))
				req.RemoteAddr = loopbackAddr
				wantNoSecret(t, do(t, s, req))
			}
		})
	}

	t.Run("the climbing fixture is served from memory", func(t *testing.T) {
		a := get(t, s, oracleURL(url.PathEscape("../../secret.json"), nil))
		require.Equal(t, http.StatusOK, a.status, a.text())
		assert.Equal(t, "../../secret.json", decodeOracle(t, a.body).ID)
		assert.NotContains(t, a.text(), "TOP SECRET")
	})
	assert.Equal(t, before, listTree(t, root), "no file was created, removed or changed")
	b2, err := os.ReadFile(secretFile)
	require.NoError(t, err)
	assert.Equal(t, b, b2)
	_, err = os.Stat("secret.json")
	assert.True(t, os.IsNotExist(err), "nothing written in the working directory")
}

// listTree returns every file under root with its content.
func listTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	}))
	return out
}

// TestSecurityOversizedBodies: bodies over the limits are cut at the
// limit and answered with a clean 413 in the API's shape.
func TestSecurityOversizedBodies(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	big := strings.Repeat("x", 1<<20+1)

	t.Run("an Esri form", func(t *testing.T) {
		body := &countingReader{r: strings.NewReader(esriQuery("json").Encode() + "&pad=" + big)}
		req := httptest.NewRequest(http.MethodPost, "http://mock.test"+mockserver.EsriPath+"?f=json", body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
		e := decodeEsri(t, rec.Body.Bytes())
		require.NotNil(t, e.Error)
		assert.Equal(t, 413, *e.Error.Code)
		assert.LessOrEqual(t, body.n, 1<<20+64<<10, "reading stops at the limit")
	})
	t.Run("an admin PUT", func(t *testing.T) {
		body := &countingReader{r: strings.NewReader(`{"id":"big","title":"` + big + `"}`)}
		req := httptest.NewRequest(http.MethodPut, "http://mock.test"+mockserver.AdminPrefix+"tasks/oracle/big", body)
		req.RemoteAddr = loopbackAddr
		a := do(t, s, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, a.status)
		assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))
		assert.Contains(t, a.text(), `"error":"cannot read the task: http: request body too large"`)
		assert.LessOrEqual(t, body.n, 1<<20+64<<10, "reading stops at the limit")
		assert.Equal(t, http.StatusNotFound, get(t, s, "http://mock.test"+mockserver.AdminPrefix+"tasks/oracle/big").status, "nothing stored")
	})
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestSecurityAdminLoopbackOnly: the admin API answers clients of this
// machine only, by the connection's address; a forwarded header does not
// change that.
func TestSecurityAdminLoopbackOnly(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	task := readTestdata(t, "oracle-get-task-example.json")
	var fields map[string]any
	require.NoError(t, json.Unmarshal([]byte(task), &fields))
	delete(fields, "id")
	b, err := json.Marshal(fields)
	require.NoError(t, err)
	noID := string(b)
	tests := []struct {
		remote string
		ok     bool
	}{
		{"127.0.0.1:50000", true},
		{"127.10.20.30:1", true},
		{"[::1]:50000", true},
		{"[::ffff:127.0.0.1]:50000", true},
		{"192.0.2.1:1234", false}, // httptest's default
		{"10.0.0.7:50000", false},
		{"[2001:db8::1]:50000", false},
		{"[::ffff:192.0.2.1]:50000", false},
		{"0.0.0.0:1", false},
		{"localhost:1", false},
		{"", false},
		{"not an address", false},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			for _, r := range []struct{ method, path, body string }{
				{http.MethodGet, "tasks", ""},
				{http.MethodPut, "tasks/oracle/" + taskID, task},
				{http.MethodGet, "tasks/oracle/" + taskID, ""},
				{http.MethodDelete, "tasks/oracle/" + taskID, ""},
				{http.MethodPost, "reset", ""},
				{http.MethodOptions, "tasks", ""},
			} {
				req := httptest.NewRequest(r.method, "http://mock.test"+mockserver.AdminPrefix+r.path, strings.NewReader(r.body))
				req.RemoteAddr = tt.remote
				req.Header.Set("X-Forwarded-For", "127.0.0.1")
				req.Header.Set("X-Real-IP", "127.0.0.1")
				a := do(t, s, req)
				if tt.ok {
					assert.NotEqual(t, http.StatusForbidden, a.status, "%s %s", r.method, r.path)
					continue
				}
				assert.Equal(t, http.StatusForbidden, a.status, "%s %s", r.method, r.path)
				assert.JSONEq(t, `{"error":"forbidden","detail":"the admin API answers loopback clients only"}`, a.text())
			}
		})
	}
	t.Run("a refused PUT stores nothing", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPut, "http://mock.test"+mockserver.AdminPrefix+"tasks/oracle/from-afar", strings.NewReader(noID))
		require.Equal(t, http.StatusForbidden, do(t, s, req).status)
		req = httptest.NewRequest(http.MethodPut, "http://mock.test"+mockserver.AdminPrefix+"tasks/oracle/from-near", strings.NewReader(noID))
		req.RemoteAddr = loopbackAddr
		require.Equal(t, http.StatusCreated, do(t, s, req).status, "the same PUT from loopback is stored")
		a := get(t, s, "http://mock.test"+mockserver.AdminPrefix+"tasks/oracle/from-afar")
		assert.Equal(t, http.StatusNotFound, a.status)
	})
	t.Run("the APIs and the health check answer any client", func(t *testing.T) {
		for _, target := range []string{oracleURL(taskID, nil), esriURL(esriQuery("json")), "http://mock.test" + mockserver.HealthPath} {
			a := do(t, s, httptest.NewRequest(http.MethodGet, target, nil))
			assert.Equal(t, http.StatusOK, a.status, target)
		}
		requireValid(t, specs.Oracle, get(t, s, oracleURL(taskID, nil)))
	})
}
