package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/mockserver/mockservertest"
	"github.com/taskmock/taskmock/report"
)

// runCheckCmd runs taskmock check with args and returns its code and
// output.
func runCheckCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), append([]string{"check"}, args...), nil, &out, &errb)
	return ExitCode(err), out.String(), errb.String()
}

// checkExample reads a vendor example of testdata/valid, with old replaced
// by new when old is not empty.
func checkExample(t *testing.T, name, old, new string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "valid", name))
	require.NoError(t, err)
	if old != "" {
		require.Contains(t, string(b), old)
		b = []byte(strings.Replace(string(b), old, new, 1))
	}
	return b
}

const checkOracleID = mockserver.ExampleOracleTaskID

// oracleUpstream serves body as every Oracle task, with status.
func checkOracleUpstream(t *testing.T, status int, body []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckAgainstMock(t *testing.T) {
	srv := mockservertest.NewServer(t, mockserver.WithRequireAuth())
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"oracle ids", []string{"--api", "oracle", "--base-url", srv.URL, "--id", checkOracleID, "--id", "42",
			"--token", "secret-oracle-token", "--total-results-grouped", "--lang", "de-DE"},
			[]string{"GET " + srv.URL + "/process/api/v1/tasks/" + checkOracleID + "?totalResultsGrouped=true: 200 OK in ",
				"GET " + srv.URL + "/process/api/v1/tasks/42?totalResultsGrouped=true: 200 OK in ",
				"checked 2 responses: 2 passed"}},
		{"oracle task URL", []string{"--api", "oracle", "--base-url", srv.OracleURL("7"), "--token", "secret-oracle-token"},
			[]string{"GET " + srv.URL + "/process/api/v1/tasks/7: 200 OK in ", "checked 1 response: 1 passed"}},
		{"esri GET", []string{"--api", "esri", "--base-url", srv.URL + "/arcgis/rest/services/SampleService",
			"--task-group-job-id", mockserver.ExampleTaskGroupJobID, "--task-operation-id", mockserver.ExampleTaskOperationID,
			"--token", "secret-esri-token"},
			[]string{"GET " + srv.URL + mockserver.EsriPath + "?f=json&taskGroupJobId=", "token=REDACTED: 200 OK in ",
				"checked 1 response: 1 passed"}},
		{"esri POST full URL", []string{"--api", "esri", "--base-url", srv.URL + mockserver.EsriPath, "--method", "post",
			"--task-group-job-id", mockserver.ExampleTaskGroupJobID, "--task-operation-id", mockserver.ExampleTaskOperationID,
			"--token", "secret-esri-token"},
			[]string{"POST " + srv.URL + mockserver.EsriPath + " taskGroupJobId=", ": 200 OK in ", "checked 1 response: 1 passed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCheckCmd(t, tt.args...)
			assert.Equal(t, 0, code, out+errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			assert.NotContains(t, out+errOut, "secret-")
		})
	}
}

// TestCheckDrift plays a drifting real server and asserts each outcome.
func TestCheckDrift(t *testing.T) {
	wrongEnum := checkOracleUpstream(t, 200, checkExample(t, "oracle-example.json", `"state": "COMPLETED"`, `"state": "FINISHED"`))
	unauthorized := checkOracleUpstream(t, 401, nil)
	esriError := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"error": {"code": 498, "message": "Invalid token.", "details": []}}`))
	}))
	t.Cleanup(esriError.Close)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bytes.Repeat([]byte(" "), 5000))
	}))
	t.Cleanup(huge.Close)
	var resets atomic.Int32
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resets.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	t.Cleanup(reset.Close)
	var storm atomic.Int32
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		storm.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(unavailable.Close)
	mock := mockservertest.NewServer(t)
	redirect := httptest.NewServer(http.RedirectHandler(mock.OracleURL(checkOracleID), http.StatusFound))
	t.Cleanup(redirect.Close)
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path+"x", http.StatusFound)
	}))
	t.Cleanup(loop.Close)

	oracle := func(base string, more ...string) []string {
		return append([]string{"--api", "oracle", "--base-url", base, "--id", checkOracleID}, more...)
	}
	esri := func(base string) []string {
		return []string{"--api", "esri", "--base-url", base, "--task-group-job-id", mockserver.ExampleTaskGroupJobID,
			"--task-operation-id", mockserver.ExampleTaskOperationID}
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"wrong enum", oracle(wrongEnum.URL), 1, []string{": 200 OK in ", "error /state schema-enum:", "FINISHED"}},
		{"esri error envelope", esri(esriError.URL), 1, []string{": 200 OK in ", "error-response",
			"the server answered with an ArcGIS error 498: Invalid token."}},
		{"401", oracle(unauthorized.URL), 1, []string{": 401 Unauthorized in ", "the credentials were refused"}},
		{"slow beyond the timeout", oracle(slow.URL, "--timeout", "100ms", "--retries", "1", "--backoff", "1ms"), 2,
			[]string{"request failed after 2 attempts: no complete answer within", "(--timeout)", "1 retry: attempt 1: no complete answer"}},
		{"503 storm", oracle(unavailable.URL, "--retries", "2", "--backoff", "5ms"), 1,
			[]string{": 503 Service Unavailable in ", "2 retries: attempt 1: 503 Service Unavailable, retried after 5ms; attempt 2: 503 Service Unavailable, retried after 10ms",
				"the server answered 503"}},
		{"redirect", oracle(redirect.URL), 0, []string{": 200 OK in ", "1 redirect: " + mock.OracleURL(checkOracleID), "1 passed"}},
		{"redirect loop", oracle(loop.URL, "--retries", "0"), 2, []string{"request failed after 1 attempt: stopped after 5 redirects"}},
		{"huge body", oracle(huge.URL, "--max-body", "1000"), 1, []string{": 200 OK in ", "body-too-large"}},
		{"connection reset", oracle(reset.URL, "--retries", "1", "--backoff", "1ms"), 2,
			[]string{"request failed after 2 attempts: connection error: ", "1 retry: attempt 1: connection error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCheckCmd(t, append(tt.args, "--color", "never")...)
			assert.Equal(t, tt.code, code, out+errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			if tt.code == 2 {
				assert.Contains(t, errOut, "taskmock check: 1 of 1 request could not be made")
			}
		})
	}
	assert.Equal(t, int32(3), storm.Load(), "503 storm: 1 attempt and 2 retries")
	assert.Equal(t, int32(2), resets.Load())
}

func TestCheckRetryAfter(t *testing.T) {
	var calls atomic.Int32
	body := checkExample(t, "oracle-example.json", "", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	code, out, errOut := runCheckCmd(t, "--api", "oracle", "--base-url", srv.URL, "--id", checkOracleID,
		"--backoff", "1ms", "--format", "json")
	require.Equal(t, 0, code, out+errOut)
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After: 1 is honoured over --backoff 1ms")
	assert.Equal(t, int32(2), calls.Load())
	var rep struct {
		Summary report.Summary `json:"summary"`
		Results []struct {
			Source    string   `json:"source"`
			Status    int      `json:"status"`
			LatencyMs *int64   `json:"latencyMs"`
			Attempts  int      `json:"attempts"`
			Retries   []string `json:"retries"`
			Redirects []string `json:"redirects"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Results, 1)
	r := rep.Results[0]
	assert.Equal(t, 200, r.Status)
	assert.NotNil(t, r.LatencyMs)
	assert.Equal(t, 2, r.Attempts)
	assert.Equal(t, []string{"attempt 1: 429 Too Many Requests, retried after 1s"}, r.Retries)
	assert.Equal(t, []string{}, r.Redirects)
	assert.Equal(t, 1, rep.Summary.Passed)
}

// TestCheckSecrets proves that no secret, from a flag, the environment or
// a header, reaches the report, standard output or an error line, even
// when the server echoes it.
func TestCheckSecrets(t *testing.T) {
	const (
		flagToken = "flag-token-0xDEADBEEF"
		envToken  = "env-token-0xFEEDFACE"
		envAuth   = "env-bearer-0xC0FFEE"
		hdrAuth   = "header-bearer-0xBADF00D"
		esriHdr   = "esri-header-0xABCDEF"
	)
	secrets := []string{flagToken, envToken, envAuth, hdrAuth, esriHdr}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		seen := r.Form.Get("token") + " " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Esri-Authorization")
		if strings.HasSuffix(r.URL.Path, "/getTask") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"error": {"code": 498, "message": "Invalid token %s", "details": [%q]}}`, seen, r.URL.String())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"title": "bad credentials %s"}`, seen)
	}))
	t.Cleanup(echo.Close)
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()

	esri := []string{"--api", "esri", "--task-group-job-id", "A", "--task-operation-id", "B"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"esri flag token GET", nil, append(esri, "--base-url", echo.URL, "--token", flagToken, "--header", "X-Esri-Authorization: Bearer "+esriHdr)},
		{"esri env token POST", map[string]string{"TASKMOCK_TOKEN": envToken}, append(esri, "--base-url", echo.URL, "--method", "POST")},
		{"oracle env authorization", map[string]string{"TASKMOCK_AUTHORIZATION": "Bearer " + envAuth},
			[]string{"--api", "oracle", "--base-url", echo.URL, "--id", "1"}},
		{"oracle header", nil, []string{"--api", "oracle", "--base-url", echo.URL, "--id", "1", "--header", "Authorization: Bearer " + hdrAuth}},
		{"oracle token in URL, refused", nil, []string{"--api", "oracle", "--base-url", refusedURL + "/process/api/v1/tasks/1?token=" + flagToken,
			"--token", flagToken, "--retries", "0"}},
		{"usage error", map[string]string{"TASKMOCK_TOKEN": envToken}, []string{"--api", "oracle", "--base-url", "ftp://" + envToken, "--id", "1"}},
		{"bad flag", nil, []string{"--api", "esri", "--token=" + flagToken, "--nope=" + flagToken}},
	}
	for _, tt := range tests {
		for _, format := range report.Formats() {
			t.Run(tt.name+" "+string(format), func(t *testing.T) {
				for k, v := range tt.env {
					t.Setenv(k, v)
				}
				code, out, errOut := runCheckCmd(t, append(tt.args, "--format", string(format))...)
				assert.NotEqual(t, 0, code)
				for _, s := range secrets {
					assert.NotContains(t, out, s)
					assert.NotContains(t, errOut, s)
				}
			})
		}
	}
}

func TestCheckUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no api", []string{"--base-url", "http://x"}, "--api is required"},
		{"no base", []string{"--api", "oracle", "--id", "1"}, "--base-url is required"},
		{"no id", []string{"--api", "oracle", "--base-url", "http://x"}, "give a task id"},
		{"esri ids", []string{"--api", "esri", "--base-url", "http://x", "--task-group-job-id", "A"}, "are required for --api esri"},
		{"esri method", []string{"--api", "esri", "--base-url", "http://x", "--task-group-job-id", "A", "--task-operation-id", "B", "--method", "PUT"}, "--method must be GET or POST"},
		{"oracle esri flag", []string{"--api", "oracle", "--base-url", "http://x", "--id", "1", "--method", "POST"}, "are for --api esri"},
		{"bad header", []string{"--api", "oracle", "--base-url", "http://x", "--id", "1", "--header", "nocolon"}, "expected 'Name: value'"},
		{"bad concurrency", []string{"--api", "oracle", "--base-url", "http://x", "--id", "1", "--concurrency", "0"}, "--concurrency must be"},
		{"bad ca", []string{"--api", "oracle", "--base-url", "http://x", "--id", "1", "--ca-file", "/nonexistent"}, "--ca-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCheckCmd(t, tt.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tt.want)
		})
	}
}

func TestCheckIDsFromAndConcurrency(t *testing.T) {
	var inFlight, most atomic.Int32
	body := checkExample(t, "oracle-example.json", "", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	ids := filepath.Join(t.TempDir(), "ids.txt")
	require.NoError(t, os.WriteFile(ids, []byte("# ids\n\n"+strings.Repeat(checkOracleID+"\n", 8)), 0o644))
	code, out, errOut := runCheckCmd(t, "--api", "oracle", "--base-url", srv.URL, "--ids-from", ids, "--concurrency", "2", "--format", "junit")
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, `tests="8"`)
	assert.Regexp(t, `<testcase classname="taskmock.oracle" name="GET [^"]+" time="0\.\d{3}">`, out)
	assert.LessOrEqual(t, most.Load(), int32(2))
}

func TestCheckVersusValidate(t *testing.T) {
	// The violation lines and the summary of check are validate's.
	body := checkExample(t, "oracle-example.json", `"state": "COMPLETED"`, `"state": "FINISHED"`)
	srv := checkOracleUpstream(t, 200, body)
	_, out, _ := runCheckCmd(t, "--api", "oracle", "--base-url", srv.URL, "--id", checkOracleID, "--color", "never")
	file := filepath.Join(t.TempDir(), "task.json")
	require.NoError(t, os.WriteFile(file, body, 0o644))
	var vout bytes.Buffer
	_ = Run(context.Background(), []string{"validate", "--color", "never", file}, nil, &vout, &bytes.Buffer{})
	source := "GET " + srv.URL + "/process/api/v1/tasks/" + checkOracleID
	lines := strings.SplitAfterN(out, "\n", 2)
	assert.True(t, strings.HasPrefix(lines[0], source+": 200 OK in "), lines[0])
	assert.Equal(t, strings.ReplaceAll(vout.String(), file, source), lines[1])
}

// TestCheckCrossHostRedirect shows that credentials stay with their host.
func TestCheckCrossHostRedirect(t *testing.T) {
	var seen atomic.Value
	seen.Store("")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		seen.Store(r.Header.Get("X-Esri-Authorization") + r.Header.Get("Authorization") + r.Form.Get("token"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(checkExample(t, "esri-example.json", "", ""))
	}))
	t.Cleanup(other.Close)
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(first.Close)
	esri := []string{"--api", "esri", "--base-url", first.URL, "--task-group-job-id", mockserver.ExampleTaskGroupJobID,
		"--task-operation-id", mockserver.ExampleTaskOperationID, "--retries", "0"}

	code, out, errOut := runCheckCmd(t, append(esri, "--header", "X-Esri-Authorization: Bearer hdr-secret", "--header", "Authorization: Bearer auth-secret")...)
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "1 redirect: "+other.URL)
	assert.Equal(t, "", seen.Load())

	code, out, _ = runCheckCmd(t, append(esri, "--method", "POST", "--token", "form-secret")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "redirected to another host: the token is not sent there")
	assert.Equal(t, "", seen.Load())
}

func TestCheckTLS(t *testing.T) {
	body := checkExample(t, "oracle-example.json", "", "")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))
	args := []string{"--api", "oracle", "--base-url", srv.URL, "--id", checkOracleID, "--backoff", "1ms"}

	code, out, _ := runCheckCmd(t, args...)
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "request failed after 1 attempt: connection error: tls: failed to verify certificate", "not retried")

	code, out, errOut := runCheckCmd(t, append(args, "--insecure")...)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, errOut, "warning: --insecure")

	code, out, errOut = runCheckCmd(t, append(args, "--ca-file", ca)...)
	assert.Equal(t, 0, code, out)
	assert.Empty(t, errOut)
}

func TestCheckEsriBusyEnvelope(t *testing.T) {
	var calls atomic.Int32
	body := checkExample(t, "esri-example.json", "", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			_, _ = w.Write([]byte(`{"error": {"code": 429, "message": "Too many requests.", "details": []}}`))
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	code, out, errOut := runCheckCmd(t, "--api", "esri", "--base-url", srv.URL, "--task-group-job-id", mockserver.ExampleTaskGroupJobID,
		"--task-operation-id", mockserver.ExampleTaskOperationID, "--backoff", "1ms")
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "(1 retry: attempt 1: ArcGIS error 429, retried after 1ms)")
	assert.Equal(t, int32(2), calls.Load())
}

// TestCheckHidesEchoedSecretForms: a server that echoes a credential
// percent-encoded with lower-case hex, JSON-escaped or cut short, and the
// user-info of --base-url or of a redirect: none reaches any report format
// or an error line.
func TestCheckHidesEchoedSecretForms(t *testing.T) {
	const (
		token    = "tok/en+0xDEAD=BEEF"
		password = "pa55/w+rd-0xC0DE"
		redirPW  = "rdr-pass-0xF00D0"
	)
	lowerHex := lowerPercent(url.QueryEscape(token))
	jsonSlash := strings.ReplaceAll(token, "/", `\/`)
	forms := func(s string) []string {
		return []string{s, url.QueryEscape(s), lowerPercent(url.QueryEscape(s)), url.PathEscape(s),
			strings.ReplaceAll(s, "/", `\/`), s[:8], s[len(s)-8:]}
	}
	var gotAuth atomic.Value
	gotAuth.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		esriError := func(msg string) { fmt.Fprintf(w, `{"error": {"code": 498, "message": "%s", "details": []}}`, msg) }
		switch {
		case strings.HasPrefix(r.URL.Path, "/lower/"):
			esriError("Invalid token " + lowerHex)
		case strings.HasPrefix(r.URL.Path, "/slash/"):
			esriError("Invalid token " + jsonSlash)
		case strings.HasPrefix(r.URL.Path, "/cut/"):
			esriError(strings.Repeat("x", 190) + token)
		case strings.HasPrefix(r.URL.Path, "/redirect/"):
			target := "http://evil:" + redirPW + "@" + r.Host + "/lower" + strings.TrimPrefix(r.URL.Path, "/redirect") + "?" + r.URL.RawQuery
			http.Redirect(w, r, target, http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/basic/"):
			user, pw, _ := r.BasicAuth()
			if strings.HasSuffix(r.URL.Path, "/getTask") {
				esriError("Invalid user " + user + " with " + strings.ReplaceAll(pw, "+", `\u002b`))
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"title": "bad password %s"}`, url.QueryEscape(pw))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"title": "Unauthorized", "detail": "bearer %s"}`, strings.ReplaceAll(r.Header.Get("Authorization"), "+", `\u002B`))
		}
	}))
	t.Cleanup(srv.Close)
	userURL := func(path string) string {
		return "http://alice:" + url.QueryEscape(password) + "@" + strings.TrimPrefix(srv.URL, "http://") + path
	}
	esri := []string{"--api", "esri", "--task-group-job-id", "A", "--task-operation-id", "B"}
	tests := []struct {
		name     string
		args     []string
		code     int
		wantAuth string
	}{
		{"percent-encoded, lower-case hex", append(esri, "--base-url", srv.URL+"/lower/x", "--token", token), 1, ""},
		{"JSON-escaped", append(esri, "--base-url", srv.URL+"/slash/x", "--token", token, "--method", "POST"), 1, ""},
		{"cut by a message's length limit", append(esri, "--base-url", srv.URL+"/cut/x", "--token", token), 1, ""},
		{"bearer \\u-escaped", []string{"--api", "oracle", "--base-url", srv.URL, "--id", "1", "--token", token}, 1, "Bearer " + token},
		{"redirected to user-info", append(esri, "--base-url", srv.URL+"/redirect/x", "--token", token), 1, ""},
		{"esri base-url user-info sent as Basic", append(esri, "--base-url", userURL("/basic/x")), 1, "alice:" + password},
		{"oracle base-url user-info sent as Basic", []string{"--api", "oracle", "--base-url", userURL("/basic"), "--id", "1"}, 1, "alice:" + password},
		{"user-info and another Authorization", []string{"--api", "oracle", "--base-url", userURL("/basic"), "--id", "1", "--token", token}, 2, ""},
		{"user-info in a bad URL", []string{"--api", "oracle", "--base-url", "ftp://alice:" + password + "@host", "--id", "1"}, 2, ""},
	}
	for _, tt := range tests {
		for _, format := range report.Formats() {
			t.Run(tt.name+" "+string(format), func(t *testing.T) {
				gotAuth.Store("")
				code, out, errOut := runCheckCmd(t, append(tt.args, "--format", string(format), "--retries", "0")...)
				assert.Equal(t, tt.code, code, errOut)
				all := out + errOut
				for _, s := range []string{token, password, redirPW} {
					for _, f := range forms(s) {
						assert.NotContains(t, all, f)
					}
				}
				switch {
				case strings.HasPrefix(tt.wantAuth, "alice:"):
					assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(tt.wantAuth)), gotAuth.Load())
				case tt.wantAuth != "":
					assert.Equal(t, tt.wantAuth, gotAuth.Load())
				}
				if tt.code == 1 && format == report.FormatText {
					assert.Contains(t, all, "REDACTED")
				}
				if tt.name == "user-info and another Authorization" {
					assert.Contains(t, errOut, "--base-url has a user name and password, and another Authorization is given")
				}
			})
		}
	}
}

// lowerPercent writes the hex digits of each %XX escape of s in lower case.
func lowerPercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteString(strings.ToLower(s[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestCheckJUnitRequestFailed: a request that could not be made is a JUnit
// <error> of the run, not a <failure> of the contract.
func TestCheckJUnitRequestFailed(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()
	good := checkOracleUpstream(t, 200, checkExample(t, "oracle-example.json", "", ""))
	for _, tt := range []struct {
		name, url string
		code      int
		have      []string
		not       string
	}{
		{"refused", refusedURL, 2, []string{`<testsuites name="taskmock" tests="1" failures="0" errors="1"`,
			`<testsuite name="taskmock.oracle" tests="1" failures="0" errors="1"`, `<error message="connection error: `, `type="request">`}, "<failure"},
		{"answered", good.URL, 0, []string{`<testsuites name="taskmock" tests="1" failures="0" errors="0"`}, "<error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCheckCmd(t, "--api", "oracle", "--base-url", tt.url, "--id", checkOracleID, "--retries", "0", "--format", "junit")
			assert.Equal(t, tt.code, code, errOut)
			for _, h := range tt.have {
				assert.Contains(t, out, h)
			}
			assert.NotContains(t, out, tt.not)
		})
	}
}

// TestCheckMarkdown: check's Markdown summary is headed by the command
// that ran, and a redacted token in a code span keeps the span closed.
func TestCheckMarkdown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"error": {"code": 400, "message": "Unable to complete operation.", "details": []}}`)
	}))
	t.Cleanup(srv.Close)
	code, out, _ := runCheckCmd(t, "--api", "esri", "--base-url", srv.URL, "--task-group-job-id", "A", "--task-operation-id", "B",
		"--token", "tok-0123456789", "--format", "markdown")
	assert.Equal(t, 1, code)
	assert.True(t, strings.HasPrefix(out, "## taskmock check\n"), out)
	assert.Contains(t, out, "&token=REDACTED` | error |")
	assert.NotContains(t, out, "tok-0123456789")
}

// TestCheckReportFiles: check --report writes the reports of the same run
// to files, credentials redacted there too, the html page with the body
// the server answered and its offending value highlighted.
func TestCheckReportFiles(t *testing.T) {
	const token = "tok-report-0x5EC2E7"
	example := checkExample(t, "oracle-example.json", "", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, strings.Replace(string(example), `"state": "COMPLETED"`, `"state": "`+r.Header.Get("Authorization")+`"`, 1))
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	htmlPath, junitPath := filepath.Join(dir, "c.html"), filepath.Join(dir, "c.xml")
	code, out, errOut := runCheckCmd(t, "--api", "oracle", "--base-url", srv.URL, "--id", checkOracleID, "--token", token,
		"--report", "html="+htmlPath, "--report", "junit="+junitPath)
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, out, "checked 1 response: 0 passed, 1 failed")
	page, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	assert.Contains(t, string(page), `data-loc="/state"`)
	assert.True(t, strings.Contains(string(page), `<span class="str">&#34;REDACTED&#34;</span></mark>`), "the echoed credential is redacted in the body shown")
	xml, err := os.ReadFile(junitPath)
	require.NoError(t, err)
	assert.Contains(t, string(xml), `<testsuites name="taskmock" tests="1" failures="1" errors="0" time=`)
	for _, s := range []string{string(page), string(xml), out, errOut} {
		assert.NotContains(t, s, token)
	}
}

// TestCheckReportFilesBodyCredential: a credential the request body holds
// (a JSON member named as one), echoed by the server, is redacted in every
// report, the html page's body included.
func TestCheckReportFilesBodyCredential(t *testing.T) {
	const token = "body-tok-0x7E57AB1E"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"totalCount": 1, "sucessCount": 0, "failedCount": 1,
			"items": []any{map[string]any{"taskId": "T1", "status": string(b)}}})
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	body, htmlPath := filepath.Join(dir, "body.json"), filepath.Join(dir, "c.html")
	require.NoError(t, os.WriteFile(body, []byte(`{"taskIds":["T1"],"identities":[{"id":"Finance","type":"GROUP"}],"access_token":"`+token+`"}`), 0o644))
	code, out, errOut := runCheckCmd(t, "--api", "oracle", "--operation", "reassignTasks", "--base-url", srv.URL, "--body", body,
		"--report", "html="+htmlPath)
	assert.Equal(t, 1, code, errOut)
	page, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	assert.Contains(t, string(page), "REDACTED")
	for _, s := range []string{string(page), out, errOut} {
		assert.NotContains(t, s, token[:12])
	}
}
