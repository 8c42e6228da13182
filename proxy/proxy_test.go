package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/mockserver/mockservertest"
	"github.com/taskmock/taskmock/proxy"
)

const oracleID = mockserver.ExampleOracleTaskID

// seed reads a vendor example, with old replaced by new when old is set.
func seed(t *testing.T, name, old, new string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "contract", "testdata", "seeds", name))
	require.NoError(t, err)
	if old != "" {
		require.Contains(t, string(b), old)
		b = []byte(strings.Replace(string(b), old, new, 1))
	}
	return b
}

// fixed serves body as JSON at every path.
func fixed(t *testing.T, status int, body []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// front starts a proxy to target.
func front(t *testing.T, target string, opts ...proxy.Option) *httptest.Server {
	t.Helper()
	p, err := proxy.New(target, opts...)
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, u string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

func TestProxyModes(t *testing.T) {
	drift := fixed(t, 200, seed(t, "oracle-get-task-example.json", `"state": "COMPLETED"`, `"state": "FINISHED"`))
	good := mockservertest.NewServer(t)
	other := fixed(t, 200, []byte(`{"anything": "goes"}`))
	unauthorized := fixed(t, 401, []byte(`{"title": "Unauthorized"}`))

	tests := []struct {
		name       string
		target     string
		mode       proxy.Mode
		path       string
		status     int
		violations string // a part of the header; "" for no header
		body       string // a part of the body
	}{
		{"report conforming", good.URL, proxy.ModeReport, "/process/api/v1/tasks/" + oracleID, 200, "none", oracleID},
		{"report drift", drift.URL, proxy.ModeReport, "/process/api/v1/tasks/" + oracleID, 200, "1 error, 0 warnings: error schema-enum /state", `"FINISHED"`},
		{"enforce drift", drift.URL, proxy.ModeEnforce, "/process/api/v1/tasks/" + oracleID, 502, "schema-enum /state", `"rule": "schema-enum"`},
		{"enforce conforming", good.URL, proxy.ModeEnforce, "/process/api/v1/tasks/" + oracleID, 200, "none", oracleID},
		{"enforce documented error passes", unauthorized.URL, proxy.ModeEnforce, "/process/api/v1/tasks/1", 401,
			"1 error, 0 warnings: error error-response status", "Unauthorized"},
		{"other path untouched", other.URL, proxy.ModeEnforce, "/process/api/v1/users/1", 200, "", `{"anything": "goes"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := front(t, tt.target, proxy.WithMode(tt.mode))
			res, body := get(t, srv.URL+tt.path, nil)
			assert.Equal(t, tt.status, res.StatusCode)
			if tt.violations == "" {
				assert.Empty(t, res.Header.Values(proxy.HeaderViolations))
			} else {
				assert.Contains(t, res.Header.Get(proxy.HeaderViolations), tt.violations)
			}
			assert.Contains(t, string(body), tt.body)
		})
	}
}

func TestProxyEsriPostAndUpstreamDown(t *testing.T) {
	mock := mockservertest.NewServer(t, mockserver.WithRequireAuth())
	srv := front(t, mock.URL, proxy.WithMode(proxy.ModeEnforce))
	form := url.Values{"f": {"json"}, "taskGroupJobId": {mockserver.ExampleTaskGroupJobID},
		"taskOperationId": {mockserver.ExampleTaskOperationID}, "token": {"a-token"}}
	res, err := http.PostForm(srv.URL+mockserver.EsriPath, form)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "none", res.Header.Get(proxy.HeaderViolations))
	assert.Contains(t, string(body), mockserver.ExampleTaskOperationID)

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	srv = front(t, down.URL)
	res, _ = get(t, srv.URL+"/process/api/v1/tasks/1", nil)
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
}

// TestProxyRecordRoundTrip records through the proxy, serves the recording
// with the mock's fixtures, gets the same bodies back, and finds no
// credential in any recorded file.
func TestProxyRecordRoundTrip(t *testing.T) {
	const (
		queryToken = "query-token-0x1111"
		formToken  = "form-token-0x2222"
		bearer     = "bearer-0x3333"
		esriBearer = "esri-bearer-0x4444"
		cookie     = "cookie-0x5555"
		setCookie  = "set-cookie-0x6666"
	)
	mock := mockservertest.NewServer(t, mockserver.WithRequireAuth())
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session="+setCookie+"; HttpOnly")
		r.Host = strings.TrimPrefix(mock.URL, "http://")
		mock.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	rec, err := proxy.NewRecorder(dir)
	require.NoError(t, err)
	srv := front(t, upstream.URL, proxy.WithRecorder(rec))

	esriQ := url.Values{"f": {"json"}, "taskGroupJobId": {mockserver.ExampleTaskGroupJobID},
		"taskOperationId": {mockserver.ExampleTaskOperationID}, "token": {queryToken}}
	hdr := http.Header{"X-Esri-Authorization": {"Bearer " + esriBearer}, "Cookie": {"session=" + cookie}}
	res, esriBody := get(t, srv.URL+mockserver.EsriPath+"?"+esriQ.Encode(), hdr)
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, "none", res.Header.Get(proxy.HeaderViolations))

	form := url.Values{"f": {"json"}, "taskGroupJobId": {mockserver.ExampleTaskGroupJobID},
		"taskOperationId": {"0B1F0F4E-7A9A-4E55-9C1E-3D2A1B4C5D6E"}, "token": {formToken}}
	res, err = http.PostForm(srv.URL+mockserver.EsriPath, form)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)

	res, oracleBody := get(t, srv.URL+"/process/api/v1/tasks/"+oracleID, http.Header{"Authorization": {"Bearer " + bearer}})
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, "none", res.Header.Get(proxy.HeaderViolations))
	require.NoError(t, rec.Err())
	assert.Equal(t, 3, rec.Len())

	// No credential in any file.
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		require.NoError(t, err)
		for _, s := range []string{queryToken, formToken, bearer, esriBearer, cookie, setCookie} {
			assert.NotContains(t, string(b), s, f.Name())
		}
	}
	assert.ElementsMatch(t, []string{proxy.HARName, "esri-" + mockserver.ExampleTaskOperationID + ".json",
		"esri-0B1F0F4E-7A9A-4E55-9C1E-3D2A1B4C5D6E.json", "oracle-" + oracleID + ".json"}, names)
	har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
	require.NoError(t, err)
	assert.Contains(t, string(har), `"name":"token",`)
	assert.Contains(t, string(har), proxy.Redacted)

	// The HAR is read by the validator's loader, every entry conforming.
	v, err := contract.New()
	require.NoError(t, err)
	var items int
	_, err = contract.Walk(filepath.Join(dir, proxy.HARName), contract.LoadOptions{}, func(it contract.Item) error {
		items++
		assert.Empty(t, v.Validate(it.Exchange).Violations, it.Source)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, items)

	// The mock serves the recording: the same bodies.
	replay := mockservertest.NewServer(t, mockserver.WithFixtures(dir))
	res, again := get(t, replay.EsriURL(mockserver.ExampleTaskGroupJobID, mockserver.ExampleTaskOperationID), nil)
	require.Equal(t, 200, res.StatusCode)
	assert.JSONEq(t, string(esriBody), string(again))
	res, again = get(t, replay.OracleURL(oracleID), nil)
	require.Equal(t, 200, res.StatusCode)
	assert.JSONEq(t, strings.ReplaceAll(string(oracleBody), mock.URL, replay.URL), string(again))
}

func TestProxyAnonymize(t *testing.T) {
	body := seed(t, "oracle-get-task-example.json", `"title": "User task V1"`, `"title": "User task V1 for hael (hael@corp.example.org)"`)
	upstream := fixed(t, 200, body)
	dir := t.TempDir()
	rec, err := proxy.NewRecorder(dir, proxy.Anonymize())
	require.NoError(t, err)
	srv := front(t, upstream.URL, proxy.WithRecorder(rec))
	res, got := get(t, srv.URL+"/process/api/v1/tasks/"+oracleID, nil)
	require.Equal(t, 200, res.StatusCode)
	assert.JSONEq(t, string(body), string(got), "the client gets the real body")
	require.NoError(t, rec.Err())

	b, err := os.ReadFile(filepath.Join(dir, "oracle-"+oracleID+".json"))
	require.NoError(t, err)
	for _, real := range []string{"hael", "wake", "ssaInstanceAdmin", "corp.example.org",
		"077acfe8-fc17-4ceb-8216-e03286aab802", "20c0862f-fd35-40ca-a70d-03d0faac45a9"} {
		assert.NotContains(t, string(b), real)
	}
	var task struct {
		Title     string `json:"title"`
		CreatedBy struct{ ID, Name string }
		FromUser  struct{ ID, Name string }
		Reason    struct {
			User           struct{ Name string }
			CandidateUsers []struct{ ID, Name string }
		}
	}
	require.NoError(t, json.Unmarshal(b, &task))
	assert.Equal(t, task.CreatedBy, task.FromUser, "the same real user maps to the same fake one")
	assert.Equal(t, task.CreatedBy.ID, task.Reason.CandidateUsers[2].ID)
	assert.Equal(t, "System", task.Reason.User.Name)
	hael := task.Reason.CandidateUsers[0].Name
	assert.Contains(t, task.Title, "for "+hael+" ("+hael+"@example.com)", "a person's name and e-mail address share one fake")

	// Still a valid task: the mock loads it.
	_ = mockservertest.NewServer(t, mockserver.WithFixtures(dir))
	har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
	require.NoError(t, err)
	assert.NotContains(t, string(har), "ssaInstanceAdmin")
}

// TestProxyLogsNoSecret plays a server that echoes the token in its error
// message: neither the log nor the 502 of enforce mode quotes it.
func TestProxyLogsNoSecret(t *testing.T) {
	const token = "echoed-token-0x9999"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"error": {"code": 498, "message": "Invalid token %s"}, "extra": 1}`, r.URL.Query().Get("token"))
	}))
	t.Cleanup(echo.Close)
	var logs bytes.Buffer
	srv := front(t, echo.URL, proxy.WithMode(proxy.ModeEnforce), proxy.WithStrict(true),
		proxy.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	res, body := get(t, srv.URL+mockserver.EsriPath+"?f=json&taskGroupJobId=A&taskOperationId=B&token="+token, nil)
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	assert.Contains(t, logs.String(), "Invalid token REDACTED")
	assert.NotContains(t, logs.String(), token)
	assert.NotContains(t, string(body), token)
	assert.NotContains(t, res.Header.Get(proxy.HeaderViolations), token)

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	logs.Reset()
	srv = front(t, down.URL, proxy.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	res, _ = get(t, srv.URL+mockserver.EsriPath+"?token="+token, nil)
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	assert.Contains(t, logs.String(), "upstream error")
	assert.NotContains(t, logs.String(), token)
}

// TestProxyHTTPSteps plays the answers that are steps of HTTP rather than
// answers of the operation: a 304 to a conditional request, the answer to
// a HEAD, a 101 upgrade. They pass as the target sent them, in either mode,
// without a Taskmock-Violations header (a 304's headers update the
// client's cached copy). A 204 is an answer the contract does not
// document: enforce mode replaces it.
func TestProxyHTTPSteps(t *testing.T) {
	task := seed(t, "oracle-get-task-example.json", "", "")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		switch {
		case r.Header.Get("If-None-Match") == `"v1"`:
			w.Header().Set("Cache-Control", "max-age=60")
			w.WriteHeader(http.StatusNotModified)
		case r.URL.Query().Get("status") == "204":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(task)
		}
	}))
	t.Cleanup(upstream.Close)
	path := "/process/api/v1/tasks/" + oracleID

	tests := []struct {
		name       string
		mode       proxy.Mode
		method     string
		query      string
		header     http.Header
		status     int
		violations string // the header; "" for none
		etag       string
	}{
		{"report 200", proxy.ModeReport, http.MethodGet, "", nil, 200, "none", `"v1"`},
		{"report 304", proxy.ModeReport, http.MethodGet, "", http.Header{"If-None-Match": {`"v1"`}}, 304, "", `"v1"`},
		{"enforce 304", proxy.ModeEnforce, http.MethodGet, "", http.Header{"If-None-Match": {`"v1"`}}, 304, "", `"v1"`},
		{"enforce HEAD", proxy.ModeEnforce, http.MethodHead, "", nil, 200, "", `"v1"`},
		{"enforce 204", proxy.ModeEnforce, http.MethodGet, "?status=204", nil, 502, "error status-undocumented status", ""},
		{"report 204", proxy.ModeReport, http.MethodGet, "?status=204", nil, 204, "error status-undocumented status", `"v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := front(t, upstream.URL, proxy.WithMode(tt.mode))
			req, err := http.NewRequest(tt.method, srv.URL+path+tt.query, nil)
			require.NoError(t, err)
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, tt.status, res.StatusCode, string(body))
			if tt.violations == "" {
				assert.Empty(t, res.Header.Values(proxy.HeaderViolations))
			} else {
				assert.Contains(t, res.Header.Get(proxy.HeaderViolations), tt.violations)
			}
			assert.Equal(t, tt.etag, res.Header.Get("ETag"))
			if tt.status == 304 {
				assert.Empty(t, body)
				assert.Equal(t, "max-age=60", res.Header.Get("Cache-Control"))
			}
		})
	}

	t.Run("101 upgrade", func(t *testing.T) {
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			_ = brw.Flush()
			line, _ := brw.ReadString('\n')
			_, _ = brw.WriteString("echo " + line)
			_ = brw.Flush()
		}))
		t.Cleanup(up.Close)
		srv := front(t, up.URL, proxy.WithMode(proxy.ModeEnforce))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusSwitchingProtocols, res.StatusCode)
		assert.Empty(t, res.Header.Values(proxy.HeaderViolations))
		conn, ok := res.Body.(io.ReadWriteCloser)
		require.True(t, ok, "the body of a 101 is the connection")
		_, err = io.WriteString(conn, "hello\n")
		require.NoError(t, err)
		got, err := bufio.NewReader(conn).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "echo hello\n", got)
	})
}

// TestProxyHidesEchoedCredentials plays a server that echoes an X-Api-Key
// header, an api_key parameter and its own cookie, JSON-escaped,
// percent-encoded with lower-case hex, in a header and in a redirect URL:
// no recorded file, log line, Taskmock-Violations value or 502 body shows
// any of them, in any form.
func TestProxyHidesEchoedCredentials(t *testing.T) {
	const (
		hdrKey   = "hdr/key+0xABCDEF12"
		paramKey = "param/key+0x1234567"
		cookie   = "cookie/val+0x7777777"
	)
	lowerHex := func(s string) string {
		e := url.QueryEscape(s)
		for _, x := range []string{"%2F", "%2B", "%3D"} {
			e = strings.ReplaceAll(e, x, strings.ToLower(x))
		}
		return e
	}
	slash := func(s string) string { return strings.ReplaceAll(s, "/", `\/`) }
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen := slash(r.Header.Get("X-Api-Key")) + " and " + lowerHex(r.URL.Query().Get("api_key"))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "SESSION="+cookie+"; Path=/; HttpOnly")
		w.Header().Set("X-Echo", r.Header.Get("X-Api-Key"))
		w.Header().Set("Location", "/next?api_key="+url.QueryEscape(r.URL.Query().Get("api_key")))
		old, new := `"title": "User task V1"`, `"title": "User task V1 `+seen+` `+slash(cookie)+`"`
		if strings.HasSuffix(r.URL.Path, "/broken") {
			old, new = `"state": "COMPLETED"`, `"state": "`+seen+`"`
		}
		_, _ = w.Write(seed(t, "oracle-get-task-example.json", old, new))
	}))
	t.Cleanup(echo.Close)
	forms := func(s string) []string {
		return []string{s, slash(s), url.QueryEscape(s), lowerHex(s), url.PathEscape(s), s[:8], s[len(s)-8:]}
	}
	hdr := http.Header{"X-Api-Key": {hdrKey}}
	query := "?api_key=" + url.QueryEscape(paramKey)

	dir := t.TempDir()
	rec, err := proxy.NewRecorder(dir)
	require.NoError(t, err)
	var logs bytes.Buffer
	srv := front(t, echo.URL, proxy.WithRecorder(rec), proxy.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	res, body := get(t, srv.URL+"/process/api/v1/tasks/"+oracleID+query, hdr)
	require.Equal(t, 200, res.StatusCode)
	assert.Contains(t, string(body), slash(hdrKey), "the client gets the real body")
	res, _ = get(t, srv.URL+"/process/api/v1/tasks/broken"+query, hdr)
	require.Equal(t, 200, res.StatusCode)
	shown := []string{logs.String(), res.Header.Get(proxy.HeaderViolations)}
	require.NoError(t, rec.Err())
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 2, "the HAR and the valid task's fixture")
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		require.NoError(t, err)
		shown = append(shown, string(b))
		assert.Contains(t, string(b), proxy.Redacted, f.Name())
	}

	enforce := front(t, echo.URL, proxy.WithMode(proxy.ModeEnforce))
	res, body = get(t, enforce.URL+"/process/api/v1/tasks/broken"+query, hdr)
	require.Equal(t, http.StatusBadGateway, res.StatusCode)
	shown = append(shown, string(body), res.Header.Get(proxy.HeaderViolations))
	assert.Contains(t, string(body), proxy.Redacted)

	for i, text := range shown {
		for _, s := range []string{hdrKey, paramKey, cookie} {
			for _, f := range forms(s) {
				assert.NotContains(t, text, f, "output %d", i)
			}
		}
	}
}

// TestProxyAnonymizeUnwalkable plays a server that answers a 9 MB body of
// nested brackets: the client gets it whole, the recording keeps the
// exchange with its size but without its text (and no fixture), one log
// line says why, and the proxy goes on serving.
func TestProxyAnonymizeUnwalkable(t *testing.T) {
	deep := []byte(strings.Repeat("[", 9<<19) + strings.Repeat("]", 9<<19))
	task := seed(t, "oracle-get-task-example.json", "", "")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/deep") {
			_, _ = w.Write(deep)
			return
		}
		_, _ = w.Write(task)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	rec, err := proxy.NewRecorder(dir, proxy.Anonymize())
	require.NoError(t, err)
	var logs bytes.Buffer
	srv := front(t, upstream.URL, proxy.WithRecorder(rec), proxy.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))

	res, body := get(t, srv.URL+"/process/api/v1/tasks/deep", nil)
	require.Equal(t, 200, res.StatusCode)
	assert.True(t, bytes.Equal(deep, body), "the client gets the real body")
	res, body = get(t, srv.URL+"/process/api/v1/tasks/"+oracleID, nil)
	require.Equal(t, 200, res.StatusCode)
	assert.JSONEq(t, string(task), string(body))
	require.NoError(t, rec.Err())

	assert.Equal(t, 1, strings.Count(logs.String(), "recorded without the response body"), logs.String())
	assert.Contains(t, logs.String(), "JSON nested deeper than 128 levels")
	var har struct {
		Log struct {
			Entries []struct {
				Response struct {
					Content struct {
						Size    int     `json:"size"`
						Text    *string `json:"text"`
						Comment string  `json:"comment"`
					} `json:"content"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	b, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &har))
	require.Len(t, har.Log.Entries, 2)
	withheld := har.Log.Entries[0].Response.Content
	assert.Nil(t, withheld.Text, "no text: the body was not recorded")
	assert.Equal(t, len(deep), withheld.Size)
	assert.Equal(t, "taskmock: body not recorded: the body cannot be anonymized: JSON nested deeper than 128 levels (at byte 128)", withheld.Comment)
	require.NotNil(t, har.Log.Entries[1].Response.Content.Text)
	assert.NotContains(t, *har.Log.Entries[1].Response.Content.Text, "ssaInstanceAdmin")
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.ElementsMatch(t, []string{proxy.HARName, proxy.PeopleName, "oracle-" + oracleID + ".json"}, names)
}

// TestProxyWarnsOfEachExchangeNotRecorded: when the recording cannot take
// an exchange (here the recorder is closed; a full disk fails the same
// way), the client still gets its answer and the log says so at once, for
// every exchange lost, not only when the proxy stops.
func TestProxyWarnsOfEachExchangeNotRecorded(t *testing.T) {
	task := seed(t, "oracle-get-task-example.json", "", "")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(task)
	}))
	t.Cleanup(upstream.Close)
	rec, err := proxy.NewRecorder(t.TempDir())
	require.NoError(t, err)
	var logs bytes.Buffer
	srv := front(t, upstream.URL, proxy.WithRecorder(rec), proxy.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	res, _ := get(t, srv.URL+"/process/api/v1/tasks/"+oracleID, nil)
	require.Equal(t, 200, res.StatusCode)
	assert.NotContains(t, logs.String(), "exchange not recorded")

	require.NoError(t, rec.Close())
	for range 2 {
		res, body := get(t, srv.URL+"/process/api/v1/tasks/"+oracleID, nil)
		require.Equal(t, 200, res.StatusCode)
		assert.Equal(t, task, body, "the client gets the real answer")
	}
	assert.Equal(t, 2, strings.Count(logs.String(), "exchange not recorded"), logs.String())
	assert.Equal(t, 1, rec.Len())
}

// TestNewRefusesUserInfo: a target with a user name or password is
// refused, without quoting the password.
func TestNewRefusesUserInfo(t *testing.T) {
	for _, target := range []string{"http://alice:s3cret@opa.example.com", "https://alice@opa.example.com/prefix"} {
		_, err := proxy.New(target)
		require.Error(t, err, target)
		assert.Contains(t, err.Error(), "must not hold a user name or password")
		assert.NotContains(t, err.Error(), "s3cret")
	}
}

// TestNewHidesUserInfo: a target that does not parse is quoted without
// what may be its password.
func TestNewHidesUserInfo(t *testing.T) {
	for _, target := range []string{"http://user:s3cretpass@exa mple.com/", "ht!tp://user:s3cretpass@example.com/%zz", "user:s3cretpass@host:99999999", "http://a:s3cretpass@b@c/%zz",
		"http://user:s3cret/pass@exa mple.com/", "http://user:s3cret?pass@exa mple.com/", "http://user:s3cret#pass@exa mple.com/", "http://user:s3cret pass@host/",
		"ftp://user:s3cretpass@host/", "http://user:s3cretpass@[::1/"} {
		_, err := proxy.New(target)
		require.Error(t, err, target)
		assert.NotContains(t, err.Error(), "s3cretpass", target)
		assert.NotContains(t, err.Error(), "s3cret", target)
		assert.Contains(t, err.Error(), "REDACTED", target)
	}
	// A credential parameter of a target that does not parse.
	_, err := proxy.New("http://exa mple.com/arcgis?token=s3cretpass")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cretpass")
	assert.Contains(t, err.Error(), "exa mple.com/arcgis?token=REDACTED", "the rest is quoted")
}
