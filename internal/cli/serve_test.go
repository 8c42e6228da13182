package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines, which counts the writes it was given.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a taskmock serve started by startServe.
type running struct {
	stdout, stderr *syncBuffer
	base           string
	cancel         context.CancelFunc
	done           chan struct{} // closed when runServe returns
	err            error         // what it returned, once done is closed
}

var listeningLine = regexp.MustCompile(`listening on (http://\S+) `)

// startServe runs taskmock serve with args in a goroutine and waits until
// it prints its address.
func startServe(t *testing.T, args ...string) *running {
	t.Helper()
	return startServeLimits(t, defaultServeLimits(), args...)
}

// startServeLimits is startServe with the HTTP server's limits.
func startServeLimits(t *testing.T, limits serveLimits, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = runServeLimits(ctx, args, r.stdout, r.stderr, limits)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningLine.FindStringSubmatch(r.stdout.String()); m != nil {
			r.base = m[1]
			return r
		}
		select {
		case <-r.done:
			t.Fatalf("serve ended before listening: %v\nstderr: %s", r.err, r.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no address; stdout: %q", r.stdout.String())
	return nil
}

// stop cancels the context, as SIGINT does, and returns what serve
// returned.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
		return nil
	}
}

// curlCommand is one printed curl command: its headers and URL.
type curlCommand struct {
	headers []string
	url     string
}

var quoted = regexp.MustCompile(`'([^']*)'`)

// curls reads the curl commands of the banner.
func curls(t *testing.T, banner string) []curlCommand {
	t.Helper()
	var out []curlCommand
	for _, line := range strings.Split(banner, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		var c curlCommand
		args := quoted.FindAllStringSubmatch(line, -1)
		require.NotEmpty(t, args, line)
		for _, a := range args[:len(args)-1] {
			c.headers = append(c.headers, a[1])
		}
		c.url = args[len(args)-1][1]
		out = append(out, c)
	}
	return out
}

// fetch sends GET target with "Name: value" headers and validates the
// answer under api's contract.
func fetch(t *testing.T, api specs.Name, target string, headers ...string) (int, http.Header, []byte, []contract.Rule) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	require.NoError(t, err)
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ": ")
		require.True(t, ok, h)
		req.Header.Set(name, value)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	v, err := contract.New()
	require.NoError(t, err)
	rep := v.Validate(contract.Exchange{API: api, Request: &contract.Request{Method: "GET", URL: target, Header: req.Header},
		Status: res.StatusCode, Header: res.Header, Body: body})
	rules := []contract.Rule{}
	for _, vi := range rep.Violations {
		rules = append(rules, vi.Rule)
	}
	return res.StatusCode, res.Header, body, rules
}

func apiOf(u string) specs.Name {
	if strings.Contains(u, "/TopographicProductionServer/") {
		return specs.Esri
	}
	return specs.Oracle
}

func TestServeEndToEnd(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--seed", "7", "--now", "2026-01-01T00:00:00Z", "--log-format", "json", "--self-check")
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, r.base)
	assert.NotContains(t, r.base, ":0", "the real port is printed")
	banner := r.stdout.String()
	assert.Contains(t, banner, "(seed 7, tasks as of 2026-01-01T00:00:00Z)")

	cmds := curls(t, banner)
	require.Len(t, cmds, 3)
	for _, c := range cmds {
		require.True(t, strings.HasPrefix(c.url, r.base+"/"), c.url)
		status, _, body, rules := fetch(t, apiOf(c.url), c.url, c.headers...)
		if slices.Contains(c.headers, "Prefer: code=404") {
			assert.Equal(t, http.StatusNotFound, status)
			assert.Equal(t, []contract.Rule{contract.RuleErrorResponse}, rules, string(body))
			continue
		}
		assert.Equal(t, http.StatusOK, status, c.url)
		assert.Empty(t, rules, "%s: %s", c.url, body)
	}

	status, _, body, _ := fetch(t, specs.Oracle, r.base+"/__taskmock/health")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"status":"ok"}`, string(body))

	require.NoError(t, r.stop(t), "a clean exit")
	logs := r.stderr.String()
	var responses []string
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "one JSON object per line: %s", line)
		if m["msg"] == "request" {
			for _, k := range []string{"method", "path", "status", "response", "latency"} {
				assert.Contains(t, m, k, line)
			}
			responses = append(responses, m["response"].(string))
		}
	}
	assert.Len(t, responses, 4)
	assert.Contains(t, responses, "oracle.404")
	assert.Contains(t, responses, "health")
	assert.Contains(t, logs, `"msg":"shutting down"`)
	assert.NotContains(t, logs, "self-check", "no violation")
}

func TestServeCurlAsPrinted(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	r := startServe(t, "--addr", "127.0.0.1:0", "--require-auth")
	for _, line := range strings.Split(r.stdout.String(), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		out, err := exec.Command("sh", "-c", strings.Replace(line, "curl", curl+" -sS", 1)).CombinedOutput()
		require.NoError(t, err, "%s: %s", line, out)
		if strings.Contains(line, "code=404") {
			assert.Contains(t, string(out), "HTTP/1.1 404 Not Found")
			assert.Contains(t, string(out), "Task not found for given ID")
			continue
		}
		assert.NotContains(t, string(out), `"error"`, line)
		if strings.Contains(line, "getTask") {
			assert.Contains(t, string(out), `"task": {`, line)
		} else {
			assert.Contains(t, string(out), `"id":"1f15bc3a-5948-11ef-873e-0242ac15001b"`, line)
		}
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0")
	type result struct {
		status int
		err    error
	}
	got := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, r.base+"/process/api/v1/tasks/42", nil)
		req.Header.Set("Prefer", "delay=500ms")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		got <- result{status: res.StatusCode}
	}()
	time.Sleep(150 * time.Millisecond) // the request is in flight
	require.NoError(t, r.stop(t))
	res := <-got
	require.NoError(t, res.err, "the request in flight was finished")
	assert.Equal(t, http.StatusOK, res.status)

	_, err := http.Get(r.base + "/__taskmock/health")
	assert.Error(t, err, "the listener is closed")
}

func TestServeDeterministicAcrossServers(t *testing.T) {
	args := []string{"--addr", "127.0.0.1:0", "--seed", "99", "--now", "2026-03-04T05:06:07Z"}
	one, two := startServe(t, args...), startServe(t, args...)
	paths := []string{
		"/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask?f=json&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=0d4e6a4c-1f0b-4bb1-9f53-6c3c7f6e2a10",
		"/process/api/v1/tasks/abc-123?totalResultsGrouped=true",
	}
	for _, p := range paths {
		_, _, a, _ := fetch(t, apiOf(p), one.base+p)
		_, _, b, _ := fetch(t, apiOf(p), two.base+p)
		// Oracle links carry each server's own port.
		b = bytes.ReplaceAll(b, []byte(two.base), []byte(one.base))
		assert.Equal(t, string(a), string(b), p)
	}
}

func TestServeListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	err = runServe(context.Background(), []string{"--addr", ln.Addr().String()}, &stdout, &stderr)
	require.Error(t, err)
	assert.Equal(t, ExitUsage, ExitCode(err))
	assert.Empty(t, stdout.String())
	assert.Equal(t, "taskmock serve: cannot listen on "+ln.Addr().String()+": address already in use"+
		" (another server uses the port: choose another with --addr, or port 0 for any free one)\n", stderr.String())
}

func TestServeUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--log-format", "xml"}, `--log-format must be text or json, got "xml"`},
		{[]string{"--now", "yesterday"}, `--now must be an RFC 3339 time such as 2026-01-01T00:00:00Z, got "yesterday"`},
		{[]string{"--now", "9999-12-31T23:59:59Z"}, `--now must be from 0002-01-01T00:00:00Z to 9998-12-31T23:59:59Z (the tasks' dates lie up to a year around it, within the years 0001 to 9999), got "9999-12-31T23:59:59Z"`},
		{[]string{"--now", "0001-01-01T00:00:00Z"}, `--now must be from 0002-01-01T00:00:00Z to 9998-12-31T23:59:59Z`},
		{[]string{"--seed", "-1"}, `--seed: "-1" is not a whole number of 0 or more`},
		{[]string{"--cors-origin", "localhost:5173"}, `invalid CORS origin "localhost:5173": expected scheme://host[:port] such as http://localhost:5173`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--addr", "nonsense"}, `cannot listen on nonsense: `},
		{[]string{"--latency", "fast"}, `--latency must be a duration such as 50ms or a range such as 20ms..400ms, got "fast"`},
		{[]string{"--latency", "20ms..x"}, `--latency must be`},
		{[]string{"--latency", "1s..20s"}, `latency 1s..20s: expected 0 <= min <= max <= 10s`},
		{[]string{"--error-rate", "1.5"}, `--error-rate must be a share from 0 to 1 such as 0.05, got 1.5`},
		{[]string{"--error-rate", "lots"}, `--error-rate: "lots" is not a number`},
		{[]string{"--rate-limit", "20"}, `--rate-limit must be requests per period such as 20/s, 300/m or 5/100ms, got "20"`},
		{[]string{"--rate-limit", "0/s"}, `--rate-limit must be`},
		{[]string{"--rate-limit", "5/fortnight"}, `--rate-limit must be`},
		{[]string{"--admin-max-tasks", "0"}, `--admin-max-tasks must be a positive number of tasks, got 0`},
		{[]string{"--admin-max-mb", "0"}, `--admin-max-mb must be a number of MiB from 1 to 1048576, got 0`},
		{[]string{"--admin-max-mb", "4GB"}, `--admin-max-mb: "4GB" is not a whole number`},
		{[]string{"--journal", "-1"}, `--journal must be a number of exchanges, 0 to turn the journal off, got -1`},
		{[]string{"--journal", "lots"}, `--journal: "lots" is not a whole number`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runServe(context.Background(), tt.args, &stdout, &stderr)
			require.Error(t, err)
			assert.Equal(t, ExitUsage, ExitCode(err))
			assert.Empty(t, stdout.String())
			first, _, _ := strings.Cut(stderr.String(), "\n")
			assert.True(t, strings.HasPrefix(first, "taskmock serve: "), first)
			assert.Contains(t, first, tt.want)
		})
	}
}

func TestServeHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, runServe(context.Background(), []string{"--help"}, &stdout, &stderr))
	assert.Empty(t, stderr.String())
	for _, want := range []string{"Usage:\n  taskmock serve [flags]", "--addr HOST:PORT", "--seed N", "--now RFC3339",
		"--log-format FORMAT", "--require-auth", "--cors-origin ORIGINS", "--journal N", "/__taskmock/requests", "Dashboard:", "Examples:", "Exit codes:"} {
		assert.Contains(t, stdout.String(), want)
	}
}

func TestServeBanner(t *testing.T) {
	anchor := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := serveBanner(bannerInfo{base: "http://127.0.0.1:4010", seed: 0, anchor: anchor, auth: true})
	assert.Equal(t, `taskmock serve: listening on http://127.0.0.1:4010 (seed 0, tasks as of 2026-01-01T00:00:00Z)

Esri ArcGIS Topographic Production Server: workflows/tasks/getTask
  curl 'http://127.0.0.1:4010/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask?f=pjson&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C&token=demo'
  (any path ending in /TopographicProductionServer/workflows/tasks/getTask; without f=pjson, a browser shows the HTML page)

Oracle OCI Process Automation: Get a Task
  curl -H 'Authorization: Bearer demo' 'http://127.0.0.1:4010/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b'
  curl -i -H 'Authorization: Bearer demo' -H 'Prefer: code=404' 'http://127.0.0.1:4010/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b'

Dashboard: http://127.0.0.1:4010/__taskmock/ (this machine only; read-only: --admin turns on its controls)
Health: http://127.0.0.1:4010/__taskmock/health
Stop with Ctrl+C.
`, got)
	got = serveBanner(bannerInfo{base: "http://127.0.0.1:4010", seed: 0, anchor: anchor, admin: true, journal: true})
	assert.Contains(t, got, "\nDashboard: http://127.0.0.1:4010/__taskmock/ (this machine only)\nAdmin API: ")
}

func TestServeHost(t *testing.T) {
	for _, tt := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4010}, "127.0.0.1:4010"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 80}, "[::1]:80"},
	} {
		assert.Equal(t, tt.want, serveHost(tt.addr))
	}
}

func TestServeChaos(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--rate-limit", "1/h", "--latency", "10ms..20ms")
	start := time.Now()
	status, _, _, rules := fetch(t, specs.Oracle, r.base+"/process/api/v1/tasks/42")
	assert.GreaterOrEqual(t, time.Since(start), 10*time.Millisecond)
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, rules)
	status, header, _, rules := fetch(t, specs.Oracle, r.base+"/process/api/v1/tasks/42")
	assert.Equal(t, http.StatusTooManyRequests, status)
	// The bucket refills while the second request is on its way: on a busy
	// machine that can take a second or more.
	retry, err := strconv.Atoi(header.Get("Retry-After"))
	require.NoError(t, err, header.Get("Retry-After"))
	assert.InDelta(t, 3595, retry, 5, "about an hour")
	assert.Equal(t, []contract.Rule{contract.RuleErrorResponse}, rules)
	require.NoError(t, r.stop(t))
	assert.Contains(t, r.stderr.String(), "response=oracle.ratelimit")
}

func TestServeParsers(t *testing.T) {
	lo, hi, err := serveLatency("20ms..400ms")
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{20 * time.Millisecond, 400 * time.Millisecond}, []time.Duration{lo, hi})
	lo, hi, err = serveLatency("50ms")
	require.NoError(t, err)
	assert.Equal(t, lo, hi)

	for in, want := range map[string]time.Duration{"20/s": time.Second, "300/m": time.Minute, "300/min": time.Minute, "5/h": time.Hour, "5/100ms": 100 * time.Millisecond} {
		_, per, err := serveRate(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, per, in)
	}
}

func TestServeFixturesAndAdmin(t *testing.T) {
	seed, err := os.ReadFile("../../mockserver/testdata/oracle-get-task-example.json")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "task.json"), seed, 0o644))

	r := startServe(t, "--addr", "127.0.0.1:0", "--fixtures", dir, "--admin")
	banner := r.stdout.String()
	assert.Contains(t, banner, "Fixtures: the tasks of "+dir+"\n")
	assert.Contains(t, banner, "Admin API: curl '"+r.base+"/__taskmock/tasks'\n")

	status, _, body, rules := fetch(t, specs.Oracle, r.base+"/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b")
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, rules)
	assert.Contains(t, string(body), `"title":"User task V1"`)

	status, _, body, _ = fetch(t, specs.Oracle, r.base+"/__taskmock/tasks")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"tasks":[{"api":"oracle","id":"1f15bc3a-5948-11ef-873e-0242ac15001b","source":"`+filepath.Join(dir, "task.json")+`"}]}`, string(body))
	require.NoError(t, r.stop(t))
}

func TestServeJournal(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--journal", "2")
	assert.Contains(t, r.stdout.String(), "Request journal: curl '"+r.base+"/__taskmock/requests'\n")
	for _, id := range []string{"a", "b", "c"} {
		// A small answer, written when the handler returns: journaled
		// before the client reads it.
		status, _, _, _ := fetch(t, specs.Oracle, r.base+"/process/api/v1/tasks/"+id, "Prefer: code=404")
		require.Equal(t, http.StatusNotFound, status)
	}
	status, _, body, _ := fetch(t, specs.Oracle, r.base+"/__taskmock/requests?limit=1")
	require.Equal(t, http.StatusOK, status, string(body))
	var page mockserver.JournalPage
	require.NoError(t, json.Unmarshal(body, &page))
	require.Len(t, page.Requests, 1)
	assert.Equal(t, "c", page.Requests[0].TaskID)
	assert.Equal(t, 2, page.Held, "--journal 2")
	assert.Equal(t, uint64(1), page.Dropped)
	require.NoError(t, r.stop(t))

	r = startServe(t, "--addr", "127.0.0.1:0", "--journal", "0")
	assert.NotContains(t, r.stdout.String(), "Request journal")
	status, _, body, _ = fetch(t, specs.Oracle, r.base+"/__taskmock/requests")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, string(body), "the request journal is off")
	require.NoError(t, r.stop(t))
}

func TestServeInvalidFixtures(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"id":"a","state":"DONE"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.json"), []byte(`not json`), 0o644))
	var stdout, stderr bytes.Buffer
	err := runServe(context.Background(), []string{"--addr", "127.0.0.1:0", "--fixtures", dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.Equal(t, ExitUsage, ExitCode(err))
	assert.Empty(t, stdout.String(), "the server does not start")
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	require.Len(t, lines, 2, stderr.String())
	assert.Equal(t, "taskmock serve: fixture "+filepath.Join(dir, "a.json")+`: oracle task a violates the contract: /state schema-enum: expected one of "ASSIGNED", "UNASSIGNED", "WITHDRAWN", "COMPLETED", "DELEGATED", "FAULTED", found string "DONE"`, lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "taskmock serve: fixture "+filepath.Join(dir, "b.json")+": not a JSON object: "), lines[1])

	stderr.Reset()
	err = runServe(context.Background(), []string{"--fixtures", filepath.Join(dir, "missing")}, &stdout, &stderr)
	assert.Equal(t, ExitUsage, ExitCode(err))
	assert.Equal(t, "taskmock serve: --fixtures "+filepath.Join(dir, "missing")+": not a directory or an NDJSON file (*.ndjson, *.jsonl)\n", stderr.String())
}

// TestServeChildProcess is not a test of its own: it is the server process
// started by TestServeDeterministicAcrossProcesses, run when
// TASKMOCK_SERVE_CHILD is set.
func TestServeChildProcess(t *testing.T) {
	if os.Getenv("TASKMOCK_SERVE_CHILD") == "" {
		t.Skip("run as a child process only")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := strings.Fields(os.Getenv("TASKMOCK_SERVE_CHILD"))
	if err := runServe(ctx, args, os.Stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
}

// startServeProcess runs taskmock serve in a process of its own (this test
// binary, re-executed) and returns its base URL.
func startServeProcess(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChildProcess$")
	cmd.Env = append(os.Environ(), "TASKMOCK_SERVE_CHILD="+strings.Join(args, " "))
	out := &syncBuffer{}
	cmd.Stdout = out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "the server process exits cleanly on SIGTERM")
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("the server process did not stop on SIGTERM")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningLine.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the server process printed no address; stdout: %q", out.String())
	return ""
}

// TestServeDeterministicAcrossProcesses: two server processes with the same
// seed and clock give the same bytes for the same ids.
func TestServeDeterministicAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	args := []string{"--addr", "127.0.0.1:0", "--seed", "4242", "--now", "2026-05-06T07:08:09Z"}
	one, two := startServeProcess(t, args...), startServeProcess(t, args...)
	for _, p := range []string{
		"/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask?f=pjson&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C",
		"/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b",
	} {
		_, _, a, _ := fetch(t, apiOf(p), one+p)
		_, _, b, _ := fetch(t, apiOf(p), two+p)
		b = bytes.ReplaceAll(b, []byte(two), []byte(one)) // Oracle links carry each server's port
		assert.Equal(t, string(a), string(b), p)
		assert.NotEmpty(t, a)
	}
}

// rawExchange sends request on a new connection to base and returns the
// status line of the answer ("" if the server closed the connection without
// one) and how long the server took to answer or close.
func rawExchange(t *testing.T, base, request string, wait time.Duration) (string, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	start := time.Now()
	go func() { _, _ = io.WriteString(conn, request) }() // the server may stop reading early
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(wait)))
	line, err := bufio.NewReader(conn).ReadString('\n')
	elapsed := time.Since(start)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server neither answered nor closed the connection within %s", wait)
	}
	return strings.TrimSpace(line), elapsed
}

// TestServeHardening: the HTTP server of taskmock serve refuses oversized
// headers and bodies, drops clients that send a header too slowly, and
// keeps the admin API to loopback clients.
func TestServeHardening(t *testing.T) {
	limits := defaultServeLimits()
	limits.readHeaderTimeout = 300 * time.Millisecond
	r := startServeLimits(t, limits, "--addr", "127.0.0.1:0", "--admin")

	t.Run("headers over MaxHeaderBytes get 431", func(t *testing.T) {
		big := strings.Repeat("a", 128<<10) // over the 64 KiB limit, under net/http's own 1 MiB default
		line, _ := rawExchange(t, r.base, "GET /__taskmock/health HTTP/1.1\r\nHost: x\r\nX-Big: "+big+"\r\n\r\n", 5*time.Second)
		assert.Equal(t, "HTTP/1.1 431 Request Header Fields Too Large", line)
		line, _ = rawExchange(t, r.base, "GET /__taskmock/health HTTP/1.1\r\nHost: x\r\nX-Big: "+big[:16<<10]+"\r\n\r\n", 5*time.Second)
		assert.Equal(t, "HTTP/1.1 200 OK", line, "a large header within the limit is fine")
	})
	t.Run("a form over 1 MiB gets a clean 413", func(t *testing.T) {
		body := "f=json&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&pad=" + strings.Repeat("x", 2<<20)
		req := "POST /arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/getTask?f=json HTTP/1.1\r\nHost: x\r\n" +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
		line, _ := rawExchange(t, r.base, req, 5*time.Second)
		assert.Equal(t, "HTTP/1.1 413 Request Entity Too Large", line)
		status, _, _, _ := fetch(t, specs.Oracle, r.base+"/__taskmock/health")
		assert.Equal(t, http.StatusOK, status, "the server goes on")
	})
	t.Run("a client that sends half a header is dropped after the read-header timeout", func(t *testing.T) {
		line, elapsed := rawExchange(t, r.base, "GET /__taskmock/health HTTP/1.1\r\nHost: x\r\nX-Slow: ", 5*time.Second)
		assert.Empty(t, line, "closed without an answer")
		assert.GreaterOrEqual(t, elapsed, limits.readHeaderTimeout-50*time.Millisecond)
		assert.Less(t, elapsed, limits.readHeaderTimeout+2*time.Second, "closed in time, long before the read timeout (%s)", limits.readTimeout)
	})
	t.Run("the default limits", func(t *testing.T) {
		d := defaultServeLimits()
		assert.Equal(t, 5*time.Second, d.readHeaderTimeout)
		assert.Equal(t, 64<<10, d.maxHeaderBytes)
		assert.Less(t, d.readHeaderTimeout, d.readTimeout)
	})
	t.Run("the admin API is for loopback clients, and --help says so", func(t *testing.T) {
		status, _, _, _ := fetch(t, specs.Oracle, r.base+"/__taskmock/tasks")
		assert.Equal(t, http.StatusOK, status, "this test is a loopback client")
		var stdout, stderr bytes.Buffer
		require.NoError(t, runServe(context.Background(), []string{"--help"}, &stdout, &stderr))
		assert.Contains(t, stdout.String(), "answers a loopback client whose Host is localhost,\n                         127.0.0.1 or [::1] (any port)")
		assert.Contains(t, stdout.String(), "also need the header Taskmock-Admin: 1")
	})
	t.Run("a web page cannot drive the admin API", func(t *testing.T) {
		send := func(method, path string, headers ...string) (int, http.Header, string) {
			req, err := http.NewRequest(method, r.base+path, nil)
			require.NoError(t, err)
			for _, h := range headers {
				name, value, _ := strings.Cut(h, ": ")
				if name == "Host" {
					req.Host = value
					continue
				}
				req.Header.Set(name, value)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			return res.StatusCode, res.Header, string(body)
		}
		status, h, body := send(http.MethodOptions, "/__taskmock/reset", "Origin: https://evil.example",
			"Access-Control-Request-Method: POST", "Access-Control-Request-Private-Network: true")
		assert.Equal(t, http.StatusForbidden, status, body)
		assert.Empty(t, h.Get("Access-Control-Allow-Origin"))
		assert.Empty(t, h.Get("Access-Control-Allow-Private-Network"))
		status, _, body = send(http.MethodPost, "/__taskmock/reset", "Origin: https://evil.example", "Content-Type: text/plain")
		assert.Equal(t, http.StatusForbidden, status, body)
		status, _, body = send(http.MethodGet, "/__taskmock/tasks", "Host: attacker.example:4010")
		assert.Equal(t, http.StatusForbidden, status, body)
		status, _, body = send(http.MethodPost, "/__taskmock/reset", "Taskmock-Admin: 1", "Host: localhost:4010")
		assert.Equal(t, http.StatusNoContent, status, body)
	})
	require.NoError(t, r.stop(t))
}

// TestServeDelayWithinWriteTimeout: --latency and a Prefer delay together
// beyond the write timeout still give the whole answer, and the log says
// what the client got.
func TestServeDelayWithinWriteTimeout(t *testing.T) {
	limits := defaultServeLimits()
	limits.writeTimeout = 300 * time.Millisecond
	r := startServeLimits(t, limits, "--addr", "127.0.0.1:0", "--latency", "200ms")
	for _, p := range []string{
		"/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b",
		"/arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/getTask?f=json&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C",
	} {
		status, _, body, rules := fetch(t, apiOf(p), r.base+p, "Prefer: delay=200ms")
		assert.Equal(t, http.StatusOK, status, p)
		assert.NotEmpty(t, body, p)
		assert.Empty(t, rules, p)
	}
	require.NoError(t, r.stop(t))
	assert.NotContains(t, r.stderr.String(), "the answer was cut")
}

// TestServeFixturesSkipped: a *.json entry of --fixtures that is not a
// regular file inside the directory is skipped with one line on stderr,
// and the server starts.
func TestServeFixturesSkipped(t *testing.T) {
	seed, err := os.ReadFile("../../mockserver/testdata/oracle-get-task-example.json")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "task.json"), seed, 0o644))
	require.NoError(t, mkfifo(t, filepath.Join(dir, "x.json")))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "passwd.json")))

	r := startServe(t, "--addr", "127.0.0.1:0", "--fixtures", dir)
	status, _, body, _ := fetch(t, specs.Oracle, r.base+"/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"title":"User task V1"`)
	require.NoError(t, r.stop(t))
	var skipped []string
	for line := range strings.Lines(r.stderr.String()) {
		if strings.Contains(line, "fixture skipped") {
			skipped = append(skipped, line)
		}
	}
	require.Len(t, skipped, 2, r.stderr.String())
	assert.Contains(t, skipped[0], `file=`+filepath.Join(dir, "passwd.json")+` reason="a symbolic link that leaves the directory`)
	assert.Contains(t, skipped[1], `file=`+filepath.Join(dir, "x.json")+` reason="not a regular file (a named pipe)"`)
}

// FuzzServeFlagParsers feeds the parsers of --latency, --rate-limit and
// the list flags arbitrary text: they must never panic, and what they
// accept the mock must take or refuse with an error, never a panic.
func FuzzServeFlagParsers(f *testing.F) {
	for _, s := range []string{"20ms..400ms", "50ms", "20/s", "300/min", "5/100ms", "a, b,,c", "1s..", "..", "-5/s", "9999999999999999999/h", "1/-1ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if lo, hi, err := serveLatency(s); err == nil {
			_, err := mockserver.New(mockserver.WithLatency(lo, hi))
			if err == nil {
				assert.True(t, 0 <= lo && lo <= hi && hi <= 10*time.Second, "%q accepted as %v..%v", s, lo, hi)
			}
		}
		if n, per, err := serveRate(s); err == nil {
			assert.Positive(t, n, s)
			assert.Positive(t, per, s)
			_, err := mockserver.New(mockserver.WithRateLimit(n, per))
			assert.NoError(t, err, s)
		}
		for _, item := range serveList(s) {
			assert.NotEmpty(t, item)
			assert.Equal(t, strings.TrimSpace(item), item)
			assert.NotContains(t, item, ",")
		}
	})
}
