package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/mockserver/mockservertest"
	"github.com/taskmock/taskmock/proxy"
)

// startProxy runs taskmock proxy with args in a goroutine and waits until
// it prints its address.
func startProxy(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = runProxyCmd(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), r.stdout, r.stderr)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningLine.FindStringSubmatch(r.stdout.String()); m != nil {
			r.base = m[1]
			return r
		}
		select {
		case <-r.done:
			t.Fatalf("proxy ended before listening: %v\nstderr: %s", r.err, r.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("proxy printed no address; stdout: %q", r.stdout.String())
	return nil
}

func proxyFetch(t *testing.T, method, u string, header http.Header, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

// TestProxyRecordServe records through taskmock proxy, then serves the
// recording with taskmock serve --fixtures and validates the HAR with
// taskmock validate: the same bodies, no credential anywhere.
func TestProxyRecordServe(t *testing.T) {
	const (
		token  = "esri-token-0x7777"
		bearer = "oracle-bearer-0x8888"
	)
	upstream := mockservertest.NewServer(t, mockserver.WithRequireAuth())
	dir := filepath.Join(t.TempDir(), "recorded")
	p := startProxy(t, "--target", upstream.URL, "--record", dir, "--log-format", "json")
	assert.Contains(t, p.stdout.String(), "Recording into "+dir)

	q := url.Values{"f": {"json"}, "taskGroupJobId": {mockserver.ExampleTaskGroupJobID},
		"taskOperationId": {mockserver.ExampleTaskOperationID}, "token": {token}}
	res, esriBody := proxyFetch(t, http.MethodGet, p.base+mockserver.EsriPath+"?"+q.Encode(), http.Header{}, "")
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "none", res.Header.Get(proxy.HeaderViolations))
	res, _ = proxyFetch(t, http.MethodPost, p.base+mockserver.EsriPath,
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, q.Encode())
	require.Equal(t, 200, res.StatusCode)
	res, oracleBody := proxyFetch(t, http.MethodGet, p.base+mockserver.OraclePrefix+mockserver.ExampleOracleTaskID,
		http.Header{"Authorization": {"Bearer " + bearer}}, "")
	require.Equal(t, 200, res.StatusCode)
	res, _ = proxyFetch(t, http.MethodGet, p.base+"/healthz", http.Header{}, "")
	assert.Empty(t, res.Header.Get(proxy.HeaderViolations), "other paths pass untouched")
	require.NoError(t, p.stop(t))

	for _, f := range []string{proxy.HARName, "esri-" + mockserver.ExampleTaskOperationID + ".json", "oracle-" + mockserver.ExampleOracleTaskID + ".json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.NotContains(t, string(b), token)
		assert.NotContains(t, string(b), bearer)
	}
	assert.NotContains(t, p.stderr.String(), token)
	assert.NotContains(t, p.stderr.String(), bearer)

	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"validate", filepath.Join(dir, proxy.HARName)}, nil, &out, &errb)
	require.NoError(t, err, errb.String())
	assert.Equal(t, "checked 3 responses: 3 passed, 0 failed (0 errors, 0 warnings)\n", out.String())

	s := startServe(t, "--addr", "127.0.0.1:0", "--fixtures", dir)
	res, again := proxyFetch(t, http.MethodGet, s.base+mockserver.EsriPath+"?"+url.Values{"f": {"json"},
		"taskGroupJobId": {mockserver.ExampleTaskGroupJobID}, "taskOperationId": {mockserver.ExampleTaskOperationID}}.Encode(), http.Header{}, "")
	require.Equal(t, 200, res.StatusCode)
	assert.JSONEq(t, esriBody, again)
	res, again = proxyFetch(t, http.MethodGet, s.base+mockserver.OraclePrefix+mockserver.ExampleOracleTaskID, http.Header{}, "")
	require.Equal(t, 200, res.StatusCode)
	assert.JSONEq(t, strings.ReplaceAll(oracleBody, upstream.URL, s.base), again)
}

func TestProxyEnforceLogs(t *testing.T) {
	body := checkExample(t, "oracle-example.json", `"state": "COMPLETED"`, `"state": "FINISHED"`)
	upstream := checkOracleUpstream(t, 200, body)
	p := startProxy(t, "--target", upstream.URL, "--mode", "enforce")
	res, got := proxyFetch(t, http.MethodGet, p.base+mockserver.OraclePrefix+checkOracleID, http.Header{}, "")
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	assert.Contains(t, got, `"rule": "schema-enum"`)
	assert.Contains(t, res.Header.Get(proxy.HeaderViolations), "schema-enum /state")
	require.NoError(t, p.stop(t))
	assert.Contains(t, p.stderr.String(), "rule=schema-enum")
}

func TestProxyUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no target", nil, "--target is required"},
		{"bad target", []string{"--target", "ftp://user:pw@host"}, `--target must be an http or https URL, got "ftp://host"`},
		{"no scheme", []string{"--target", "alice:s3cret@opa.example.com"}, `--target must be an http or https URL, got "REDACTED@opa.example.com"`},
		{"no slashes", []string{"--target", "http:alice:s3cret@opa.example.com"}, `--target must be an http or https URL, got "REDACTED@opa.example.com"`},
		{"bad mode", []string{"--target", "http://x", "--mode", "block"}, "--mode must be report or enforce"},
		{"user info", []string{"--target", "http://alice:s3cret@opa.example.com"}, `--target must not hold a user name or password, got "http://opa.example.com"`},
		{"anonymize alone", []string{"--target", "http://x", "--anonymize"}, "--anonymize needs --record DIR"},
		{"anonymize key alone", []string{"--target", "http://x", "--record", "d", "--anonymize-key", "k"}, "--anonymize-key needs --anonymize"},
		{"bad log format", []string{"--target", "http://x", "--log-format", "xml"}, "--log-format must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := Run(context.Background(), append([]string{"proxy"}, tt.args...), nil, &out, &errb)
			assert.Equal(t, ExitUsage, ExitCode(err))
			assert.Contains(t, errb.String(), tt.want)
			assert.NotContains(t, errb.String(), "pw")
			assert.NotContains(t, errb.String(), "s3cret")
		})
	}
}

// TestProxyRecordDir: what taskmock proxy --record does with the HAR file
// it finds in DIR.
func TestProxyRecordDir(t *testing.T) {
	const head = `{"log":{"version":"1.2","creator":{"name":"taskmock proxy","version":"1"},"entries":[`
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		refused string // the error, or "" when the proxy starts
		logged  string
	}{
		{"not a HAR", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, proxy.HARName), []byte("hello\n"), 0o644))
		}, "taskmock.har: not a HAR file; it was left as it is", ""},
		{"another proxy records into DIR", func(t *testing.T, dir string) {
			startProxy(t, "--target", "http://127.0.0.1:1", "--record", dir)
		}, "taskmock.har: another taskmock proxy is recording into it", ""},
		{"a write cut short", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, proxy.HARName), []byte(head+"\n"+`{"startedDateTime":"2026`), 0o644))
		}, "", "ended in an interrupted write: kept every complete exchange, dropped its last 25 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			if tt.refused != "" {
				var out, errb bytes.Buffer
				err := Run(context.Background(), []string{"proxy", "--addr", "127.0.0.1:0", "--target", "http://127.0.0.1:1", "--record", dir}, nil, &out, &errb)
				assert.Equal(t, ExitUsage, ExitCode(err))
				assert.Contains(t, errb.String(), tt.refused)
				assert.Equal(t, 1, strings.Count(errb.String(), "\n"), errb.String())
				return
			}
			p := startProxy(t, "--target", "http://127.0.0.1:1", "--record", dir)
			p.cancel()
			<-p.done
			require.NoError(t, p.err)
			assert.Contains(t, p.stderr.String(), tt.logged)
			b, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
			require.NoError(t, err)
			assert.Equal(t, head+"\n]}}\n", string(b))
		})
	}
}

// TestProxyHelpAligned: every description of the flags of proxy --help
// starts in the same column.
func TestProxyHelpAligned(t *testing.T) {
	var out, errb bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"proxy", "--help"}, nil, &out, &errb))
	help := out.String() + errb.String()
	_, flags, ok := strings.Cut(help, "\nFlags:\n")
	require.True(t, ok)
	flags, _, _ = strings.Cut(flags, "\n\n")
	const col = 21
	for _, line := range strings.Split(flags, "\n") {
		if strings.HasPrefix(line, "  --") {
			spec, desc, hasDesc := strings.Cut(line[2:], "  ")
			if hasDesc {
				assert.Equal(t, col, 2+len(spec)+2+len(desc)-len(strings.TrimLeft(desc, " ")), "description of %s starts in column %d: %q", spec, col, line)
			}
			continue
		}
		assert.Equal(t, strings.Repeat(" ", col), line[:min(col, len(line))], "continuation line %q", line)
		assert.NotEqual(t, byte(' '), line[col], "continuation line %q", line)
	}
}
