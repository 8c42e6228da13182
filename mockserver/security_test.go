package mockserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		a := sendAdmin(t, fromAdmin, http.MethodPut, adminURL+"tasks/"+put.path, put.body)
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
	admin := adminURL + "tasks/"
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			wantNoSecret(t, get(t, s, "http://mock.test"+mockserver.OraclePrefix+id))
			wantNoSecret(t, get(t, s, esriURL(esriQuery("json", "taskOperationId", id))))
			wantNoSecret(t, get(t, s, esriURL(esriQuery("html", "taskGroupJobId", id))))
			for _, api := range []string{"oracle", "esri", "..", "%2e%2e"} {
				wantNoSecret(t, get(t, s, admin+api+"/"+id))
				wantNoSecret(t, sendAdmin(t, s, http.MethodDelete, admin+api+"/"+id, ""))
				wantNoSecret(t, sendAdmin(t, s, http.MethodPut, admin+api+"/"+id, string(cb)))
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
		req := httptest.NewRequest(http.MethodPut, adminURL+"tasks/oracle/big", body)
		req.RemoteAddr = loopbackAddr
		req.Header.Set(mockserver.AdminHeader, "1")
		a := do(t, s, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, a.status)
		assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))
		assert.Contains(t, a.text(), `"error":"cannot read the task: http: request body too large"`)
		assert.LessOrEqual(t, body.n, 1<<20+64<<10, "reading stops at the limit")
		assert.Equal(t, http.StatusNotFound, get(t, s, adminURL+"tasks/oracle/big").status, "nothing stored")
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
				req := httptest.NewRequest(r.method, adminURL+r.path, strings.NewReader(r.body))
				req.RemoteAddr = tt.remote
				req.Header.Set(mockserver.AdminHeader, "1")
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
		req := httptest.NewRequest(http.MethodPut, adminURL+"tasks/oracle/from-afar", strings.NewReader(noID))
		req.Header.Set(mockserver.AdminHeader, "1")
		require.Equal(t, http.StatusForbidden, do(t, s, req).status)
		require.Equal(t, http.StatusCreated, sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/from-near", noID).status, "the same PUT from loopback is stored")
		a := get(t, s, adminURL+"tasks/oracle/from-afar")
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

// TestSecurityAdminFromWebPages: a web page cannot drive the admin API,
// whatever the CORS setting: no CORS or Private Network grant under
// /__taskmock/, a Host that is not this machine (DNS rebinding) is
// refused, and a request that changes the tasks needs a header that a
// page cannot send without a preflight. Every refusal leaves the stored
// tasks as they were.
func TestSecurityAdminFromWebPages(t *testing.T) {
	const evil = "https://evil.example"
	task := readTestdata(t, "oracle-get-task-example.json")
	var fields map[string]any
	require.NoError(t, json.Unmarshal([]byte(task), &fields))
	delete(fields, "id")
	noID, err := json.Marshal(fields)
	require.NoError(t, err)
	type request struct {
		method, target, body string
		header               map[string]string
	}
	preflight := func(target, method string) request {
		return request{http.MethodOptions, target, "", map[string]string{
			"Origin": evil, "Access-Control-Request-Method": method,
			"Access-Control-Request-Headers":         "content-type,taskmock-admin",
			"Access-Control-Request-Private-Network": "true",
		}}
	}
	tests := []struct {
		name   string
		req    request
		status int
		detail string // in the 403's detail
	}{
		{"preflight of a PUT", preflight(adminURL+"tasks/oracle/"+taskID, http.MethodPut), 403, "no CORS grant"},
		{"preflight of a reset", preflight(adminURL+"reset", http.MethodPost), 403, "no CORS grant"},
		{"preflight of the list", preflight(adminURL+"tasks", http.MethodGet), 403, "no CORS grant"},
		{"preflight of the health check", preflight("http://127.0.0.1:4010"+mockserver.HealthPath, http.MethodGet), 403, "no CORS grant"},
		{"simple text/plain POST reset", request{http.MethodPost, adminURL + "reset", "", map[string]string{"Origin": evil, "Content-Type": "text/plain"}}, 403, "needs the header Taskmock-Admin: 1"},
		{"simple form POST reset", request{http.MethodPost, adminURL + "reset", "a=b", map[string]string{"Origin": evil, "Content-Type": "application/x-www-form-urlencoded"}}, 403, "needs the header Taskmock-Admin: 1"},
		{"reset from curl without the header", request{http.MethodPost, adminURL + "reset", "", nil}, 403, "needs the header Taskmock-Admin: 1"},
		{"JSON PUT without the header", request{http.MethodPut, adminURL + "tasks/oracle/" + taskID, task, map[string]string{"Content-Type": "application/json"}}, 403, "needs the header"},
		{"DELETE without the header", request{http.MethodDelete, adminURL + "tasks/oracle/" + taskID, "", nil}, 403, "needs the header"},
		{"reset with the header set to 0", request{http.MethodPost, adminURL + "reset", "", map[string]string{"Taskmock-Admin": "0"}}, 403, "needs the header Taskmock-Admin: 1"},
		{"PATCH without the header", request{http.MethodPatch, adminURL + "tasks/oracle/" + taskID, "", nil}, 403, "needs the header"},
		{"an empty header", request{http.MethodPost, adminURL + "reset", "", map[string]string{mockserver.AdminHeader: ""}}, 403, "needs the header"},
		{"Host attacker.example", request{http.MethodPost, "http://attacker.example/__taskmock/reset", "", map[string]string{mockserver.AdminHeader: "1"}}, 403, `found \"attacker.example\"`},
		{"Host attacker.example:4010, a read", request{http.MethodGet, "http://attacker.example:4010/__taskmock/tasks", "", nil}, 403, "Host is localhost or a loopback address"},
		{"Host 0.0.0.0", request{http.MethodGet, "http://0.0.0.0:4010/__taskmock/tasks", "", nil}, 403, "Host"},
		{"Host localhost.attacker.example", request{http.MethodGet, "http://localhost.attacker.example/__taskmock/tasks", "", nil}, 403, "Host"},
		{"Host 127.0.0.1.nip.io", request{http.MethodGet, "http://127.0.0.1.nip.io:4010/__taskmock/tasks", "", nil}, 403, "Host"},
		{"Host 2130706433", request{http.MethodGet, "http://2130706433:4010/__taskmock/tasks", "", nil}, 403, "Host"},
		{"Host [::2]", request{http.MethodGet, "http://[::2]:4010/__taskmock/tasks", "", nil}, 403, "Host"},
		{"Host localhost:A", request{http.MethodGet, "/__taskmock/tasks", "", map[string]string{"Host": "localhost:A"}}, 403, "Host"},
		{"no Host", request{http.MethodGet, "/__taskmock/tasks", "", map[string]string{"Host": ""}}, 403, "Host"},
		{"Host localhost:4010", request{http.MethodGet, "http://localhost:4010/__taskmock/tasks", "", nil}, 200, ""},
		{"Host LOCALHOST", request{http.MethodGet, "http://LOCALHOST/__taskmock/tasks", "", nil}, 200, ""},
		{"Host localhost.", request{http.MethodGet, "http://localhost.:4010/__taskmock/tasks", "", nil}, 200, ""},
		{"Host [::1]:4010", request{http.MethodGet, "http://[::1]:4010/__taskmock/tasks", "", nil}, 200, ""},
		{"Host [::1]", request{http.MethodGet, "http://[::1]/__taskmock/tasks", "", nil}, 200, ""},
		{"Host 127.0.0.1", request{http.MethodGet, "http://127.0.0.1/__taskmock/tasks", "", nil}, 200, ""},
		{"Host 127.1.2.3:80", request{http.MethodGet, "http://127.1.2.3:80/__taskmock/tasks", "", nil}, 200, ""},
		{"Host [::ffff:127.0.0.1]", request{http.MethodGet, "http://[::ffff:127.0.0.1]:4010/__taskmock/tasks", "", nil}, 200, ""},
		{"an actual GET from a page gets no grant", request{http.MethodGet, adminURL + "tasks", "", map[string]string{"Origin": evil}}, 200, ""},
		{"the health check gets no grant", request{http.MethodGet, "http://127.0.0.1:4010" + mockserver.HealthPath, "", map[string]string{"Origin": evil}}, 200, ""},
		{"the health check answers any Host", request{http.MethodGet, "http://mock.internal:4010" + mockserver.HealthPath, "", nil}, 200, ""},
		{"reset with the header", request{http.MethodPost, adminURL + "reset", "", map[string]string{mockserver.AdminHeader: "1"}}, 204, ""},
		{"PUT with the header", request{http.MethodPut, "http://localhost:4010/__taskmock/tasks/oracle/" + taskID, task, map[string]string{mockserver.AdminHeader: "1"}}, 200, ""},
	}
	for _, cors := range []struct {
		name string
		opts []mockserver.Option
	}{
		{"any origin", nil},
		{"the page's origin allowed", []mockserver.Option{mockserver.WithCORSOrigin(evil)}},
	} {
		for _, tt := range tests {
			t.Run(cors.name+"/"+tt.name, func(t *testing.T) {
				dir := fixtureDir(t, map[string]string{"seed.json": task})
				s := newServer(t, append([]mockserver.Option{mockserver.WithAdmin(), mockserver.WithFixtures(dir)}, cors.opts...)...)
				edited := sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/edited", string(noID))
				require.Equal(t, http.StatusCreated, edited.status, edited.text())
				before := get(t, s, adminURL+"tasks").text()

				var body io.Reader
				if tt.req.body != "" {
					body = strings.NewReader(tt.req.body)
				}
				req := httptest.NewRequest(tt.req.method, tt.req.target, body)
				req.RemoteAddr = loopbackAddr
				for k, v := range tt.req.header {
					if k == "Host" {
						req.Host = v
						continue
					}
					req.Header.Set(k, v)
				}
				a := do(t, s, req)
				assert.Equal(t, tt.status, a.status, a.text())
				for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Private-Network", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
					assert.Empty(t, a.header.Get(h), h)
				}
				if tt.status != http.StatusForbidden {
					return
				}
				var refusal map[string]string
				require.NoError(t, json.Unmarshal(a.body, &refusal), a.text())
				assert.Equal(t, "forbidden", refusal["error"])
				assert.Contains(t, a.text(), tt.detail)
				assert.Equal(t, before, get(t, s, adminURL+"tasks").text(), "nothing changed")
			})
		}
	}
}

// TestSecurityFixtureFiles: only regular files inside the fixture
// directory are read, each of at most 1 MiB. A named pipe (which blocked
// start-up), a device, a link that leaves the directory (which read
// /etc/passwd or /dev/zero) and an oversized file are skipped without
// being opened, with one warning each; a link that stays inside is
// followed.
func TestSecurityFixtureFiles(t *testing.T) {
	valid := readTestdata(t, "oracle-get-task-example.json")
	withID := func(id, title string) string {
		var fields map[string]any
		require.NoError(t, json.Unmarshal([]byte(valid), &fields))
		fields["id"], fields["title"] = id, title
		b, err := json.Marshal(fields)
		require.NoError(t, err)
		return string(b)
	}
	tests := []struct {
		name   string
		make   func(t *testing.T, dir, outside string) // makes name.json in dir
		served string                                  // the id it serves, if any
		skip   string                                  // the reason of its warning, if skipped
	}{
		{"a regular file", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a regular file.json"), []byte(withID("regular", "from a file")), 0o644))
		}, "regular", ""},
		{"a named pipe", func(t *testing.T, dir, _ string) {
			require.NoError(t, mkfifo(t, filepath.Join(dir, "a named pipe.json")))
		}, "", "not a regular file (a named pipe)"},
		{"a link to a named pipe", func(t *testing.T, dir, _ string) {
			require.NoError(t, mkfifo(t, filepath.Join(dir, "pipe")))
			require.NoError(t, os.Symlink("pipe", filepath.Join(dir, "a link to a named pipe.json")))
		}, "", "not a regular file (a named pipe)"},
		{"a link to the zero device", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "a link to the zero device.json")))
		}, "", "a symbolic link that leaves the directory"},
		{"a link to the password file", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "a link to the password file.json")))
		}, "", "a symbolic link that leaves the directory"},
		{"a relative link out of the directory", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.json"), []byte(withID("secret", "TOP SECRET")), 0o600))
			rel, err := filepath.Rel(dir, filepath.Join(outside, "secret.json"))
			require.NoError(t, err)
			require.NoError(t, os.Symlink(rel, filepath.Join(dir, "a relative link out of the directory.json")))
		}, "", "a symbolic link that leaves the directory"},
		{"a link through a directory link out", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.WriteFile(filepath.Join(outside, "secret2.json"), []byte(withID("secret2", "TOP SECRET")), 0o600))
			require.NoError(t, os.Symlink(outside, filepath.Join(dir, "out")))
			require.NoError(t, os.Symlink("out/secret2.json", filepath.Join(dir, "a link through a directory link out.json")))
		}, "", "a symbolic link that leaves the directory"},
		{"an absolute link", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "abs.task"), []byte(withID("absolute", "x")), 0o644))
			require.NoError(t, os.Symlink(filepath.Join(dir, "abs.task"), filepath.Join(dir, "an absolute link.json")))
		}, "", "a symbolic link that leaves the directory"},
		{"a link that leads nowhere", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Symlink("nothing", filepath.Join(dir, "a link that leads nowhere.json")))
		}, "", "a symbolic link that leads nowhere"},
		{"a link to a directory", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
			require.NoError(t, os.Symlink("sub", filepath.Join(dir, "a link to a directory.json")))
		}, "", "not a regular file (a directory)"},
		{"a relative link inside", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "shared"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "shared", "task.txt"), []byte(withID("linked", "through a link")), 0o644))
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "tasks"), 0o755))
			require.NoError(t, os.Symlink("../shared/task.txt", filepath.Join(dir, "tasks", "a relative link inside.json")))
		}, "linked", ""},
		{"a file over 1 MiB", func(t *testing.T, dir, _ string) {
			big := strings.Replace(withID("big", "padded"), "{", "{"+strings.Repeat(" ", 1<<20), 1)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a file over 1 MiB.json"), []byte(big), 0o644))
		}, "", "larger than 1 MiB, the limit of a task"},
		{"a file of exactly 1 MiB", func(t *testing.T, dir, _ string) {
			task := withID("at-the-limit", "padded")
			full := strings.Replace(task, "{", "{"+strings.Repeat(" ", 1<<20-len(task)), 1)
			require.Len(t, full, 1<<20)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a file of exactly 1 MiB.json"), []byte(full), 0o644))
		}, "at-the-limit", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			tt.make(t, dir, outside)
			var logs bytes.Buffer
			done := make(chan struct{})
			var s *mockserver.Server
			var err error
			go func() {
				defer close(done)
				s, err = mockserver.New(mockserver.WithFixtures(dir), mockserver.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("New hangs on the fixture")
			}
			require.NoError(t, err)
			warnings := strings.Count(logs.String(), "level=WARN")
			if tt.skip != "" {
				file := filepath.Join(dir, tt.name+".json")
				assert.Equal(t, 1, warnings, logs.String())
				assert.Contains(t, logs.String(), `msg="fixture skipped" file="`+file+`" reason="`+tt.skip)
			} else {
				assert.Zero(t, warnings, logs.String())
			}
			for _, id := range []string{"secret", "secret2"} {
				assert.NotContains(t, get(t, s, oracleURL(id, nil)).text(), "TOP SECRET")
			}
			if tt.served != "" {
				a := get(t, s, oracleURL(tt.served, nil))
				requireValid(t, specs.Oracle, a)
				assert.Equal(t, "COMPLETED", decodeOracle(t, a.body).State, "the fixture, not a generated task")
			}
		})
	}
}
