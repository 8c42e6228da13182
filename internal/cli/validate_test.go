package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/cli"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/specs"
)

// The vendors' own example bodies, which must pass.
var (
	esriExample   = filepath.Join("testdata", "valid", "esri-example.json")
	oracleExample = filepath.Join("testdata", "valid", "oracle-example.json")
)

// variant writes the file at path, with old replaced by new, into a
// temporary directory and returns its path.
func variant(t *testing.T, path, name, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), old)
	out := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(out, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// otherHostsHAR is a HAR whose only entry is a response of another API.
const otherHostsHAR = `{"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
  {"request": {"method": "GET", "url": "https://example.com/api/users/1", "headers": []},
   "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
                "content": {"mimeType": "application/json", "text": "{\"id\": 1}"}}}
]}}`

// TestValidateInputs covers what validate does with its inputs: the
// examples pass, unreadable inputs exit 2 and name themselves, stdin works.
func TestValidateInputs(t *testing.T) {
	truncated := filepath.Join(t.TempDir(), "truncated.json")
	require.NoError(t, os.WriteFile(truncated, []byte(readFile(t, oracleExample)[:200]), 0o644))
	har := filepath.Join(t.TempDir(), "other.har")
	require.NoError(t, os.WriteFile(har, []byte(otherHostsHAR), 0o644))
	missing := filepath.Join(t.TempDir(), "missing.json")

	tests := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     string   // the whole stdout, when not empty
		stderr     []string // the lines of stderr, each a prefix
		stderrHave string   // a part of stderr
	}{
		{name: "esri example", args: []string{esriExample}, code: 0,
			stdout: "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n"},
		{name: "oracle example", args: []string{oracleExample}, code: 0,
			stdout: "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n"},
		{name: "directory", args: []string{filepath.Join("testdata", "valid")}, code: 0,
			stdout: "checked 2 responses: 2 passed, 0 failed (0 errors, 0 warnings)\n"},
		{name: "strict examples", args: []string{"--strict", esriExample, oracleExample}, code: 0,
			stdout: "checked 2 responses: 2 passed, 0 failed (0 errors, 0 warnings)\n"},
		{name: "flags after paths", args: []string{esriExample, "--api", "esri", "--color", "never"}, code: 0,
			stdout: "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n"},
		{name: "stdin", args: []string{"-"}, stdin: readFile(t, oracleExample), code: 0,
			stdout: "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n"},
		{name: "stdin with --api", args: []string{"--api", "oracle", "-"}, stdin: readFile(t, oracleExample), code: 0,
			stdout: "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n"},

		{name: "missing file", args: []string{missing}, code: 2,
			stdout: "checked 0 responses: 0 passed, 0 failed (0 errors, 0 warnings)\n",
			stderr: []string{"taskmock validate: " + missing + ": no such file or directory"}},
		{name: "missing file among good ones", args: []string{esriExample, missing, oracleExample}, code: 2,
			stdout: "checked 2 responses: 2 passed, 0 failed (0 errors, 0 warnings)\n",
			stderr: []string{"taskmock validate: " + missing + ": no such file or directory"}},
		{name: "-- ends the flags", args: []string{"--", "--frob"}, code: 2,
			stderr: []string{"taskmock validate: --frob: no such file or directory"}},
		{name: "truncated JSON", args: []string{truncated}, code: 2,
			stderr: []string{"taskmock validate: " + truncated + ": truncated JSON"}},
		{name: "truncated stdin", args: []string{"-"}, stdin: readFile(t, oracleExample)[:200], code: 2,
			stderr: []string{"taskmock validate: -: truncated JSON"}},
		{name: "empty stdin", args: []string{"-"}, code: 2,
			stderr: []string{"taskmock validate: -: "}},
		{name: "HAR of other hosts only", args: []string{har}, code: 2,
			stdout: "checked 0 responses: 0 passed, 0 failed (0 errors, 0 warnings)\n",
			stderr: []string{"taskmock validate: no response of the two APIs found in the input"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.stdin, append([]string{"validate"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			if tt.stdout != "" {
				assert.Equal(t, tt.stdout, r.stdout)
			}
			if tt.stderr == nil {
				assert.Empty(t, r.stderr)
				return
			}
			lines := r.stderrLines()
			require.Len(t, lines, len(tt.stderr), r.stderr)
			for i, want := range tt.stderr {
				assert.True(t, strings.HasPrefix(lines[i], want), "stderr line %d: %q does not start with %q", i, lines[i], want)
			}
		})
	}
}

// TestValidateFindsViolations needs the validator's rules: a broken body
// exits 1 and the report names the rule and the location.
func TestValidateFindsViolations(t *testing.T) {
	lowerState := variant(t, oracleExample, "lower-state.json", `"state": "COMPLETED"`, `"state": "completed"`)
	extraField := variant(t, oracleExample, "extra.json", `"title": "User task V1",`, `"title": "User task V1", "colour": "blue",`)
	badPair := variant(t, esriExample, "bad-pair.json", `"statusCode": 0,`, `"statusCode": 3,`)

	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		have  []string // parts of stdout
	}{
		{name: "oracle state in lower case", args: []string{lowerState}, code: 1,
			have: []string{lowerState + ": error /state ", "checked 1 response: 0 passed, 1 failed"}},
		{name: "broken body among good ones", args: []string{esriExample, lowerState, oracleExample}, code: 1,
			have: []string{" /state ", "checked 3 responses: 2 passed, 1 failed"}},
		{name: "broken body on stdin", args: []string{"-"}, stdin: readFile(t, lowerState), code: 1,
			have: []string{"-: error /state "}},
		{name: "esri status pair is a warning", args: []string{badPair}, code: 0,
			have: []string{badPair + ": warning /task/statusCode esri-status-pair: ", "1 passed, 0 failed (0 errors, 1 warning)"}},
		{name: "esri status pair fails with --strict", args: []string{"--strict", badPair}, code: 1,
			have: []string{"0 passed, 1 failed (0 errors, 1 warning)"}},
		{name: "body of the other API", args: []string{"--api", "esri", oracleExample}, code: 1,
			have: []string{"1 failed"}},
		{name: "undocumented property is a warning", args: []string{extraField}, code: 0,
			have: []string{": warning ", "1 passed, 0 failed (0 errors, 1 warning)"}},
		{name: "undocumented property fails with --strict", args: []string{"--strict", extraField}, code: 1,
			have: []string{"0 passed, 1 failed"}},
		{name: "unreadable input wins over violations", args: []string{lowerState, filepath.Join(t.TempDir(), "missing.json")}, code: 2,
			have: []string{" /state "}},
		{name: "oracle {} is not a task", args: []string{"--api", "oracle", "-"}, stdin: "{}", code: 1,
			have: []string{"-: error /id task-identity: expected the task's id, found none"}},
		{name: "esri task with an empty taskOperationId", args: []string{"--api", "esri", "-"}, code: 1,
			stdin: strings.Replace(readFile(t, esriExample), `"taskOperationId": "F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"`, `"taskOperationId": ""`, 1),
			have:  []string{"-: error /task/taskOperationId task-identity: "}},
		{name: "HAR entry answering another task", args: []string{"-"}, stdin: harOfEntries(strings.Replace(harEntry(t, readFile(t, oracleExample)), "tasks/1f15bc3a-5948-11ef-873e-0242ac15001b\"", "tasks/42\"", 1)), code: 1,
			have: []string{"-#1: error /id task-mismatch: expected the task asked for, id \"42\", found \"1f15bc3a-5948-11ef-873e-0242ac15001b\""}},
		{name: "too deep a body", args: []string{"--api", "oracle", "-"}, stdin: `{"id":"1","x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, code: 1,
			have: []string{"-: error body body-too-deep: expected a JSON Task object, found JSON nested deeper than 128 levels (at byte "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.stdin, append([]string{"validate"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			for _, h := range tt.have {
				assert.Contains(t, r.stdout, h)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	lowerState := variant(t, oracleExample, "lower-state.json", `"state": "COMPLETED"`, `"state": "completed"`)

	t.Run("passing", func(t *testing.T) {
		r := run(t, "", "validate", "--format", "json", esriExample, oracleExample)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Empty(t, r.stderr)
		var rep jsonReport
		decodeStrict(t, []byte(r.stdout), &rep)
		assert.Equal(t, jsonSummary{Checked: 2, Passed: 2}, rep.Summary)
		assert.Equal(t, []jsonResult{
			{Source: esriExample, API: "esri", Operation: "getTask", Status: 200, Violations: []jsonViolation{}},
			{Source: oracleExample, API: "oracle", Operation: "getTask", Status: 200, Violations: []jsonViolation{}},
		}, rep.Results)
	})

	t.Run("failing", func(t *testing.T) {
		r := run(t, "", "validate", "--format", "json", esriExample, lowerState)
		require.Equal(t, 1, r.code, r.stderr)
		assert.Equal(t, "taskmock validate: 1 of 2 responses failed the contract\n", r.stderr)
		var rep jsonReport
		decodeStrict(t, []byte(r.stdout), &rep)
		assert.Equal(t, 2, rep.Summary.Checked)
		assert.Equal(t, 1, rep.Summary.Passed)
		require.Len(t, rep.Results, 2)
		var locations []string
		for _, v := range rep.Results[1].Violations {
			locations = append(locations, v.Location)
			assert.Equal(t, "error", v.Severity)
		}
		assert.Contains(t, locations, "/state")
	})
}

func TestValidateJUnit(t *testing.T) {
	lowerState := variant(t, oracleExample, "lower-state.json", `"state": "COMPLETED"`, `"state": "completed"`)
	r := run(t, "", "validate", "--format", "junit", esriExample, lowerState)
	assert.Equal(t, 1, r.code, r.stderr)
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(r.stdout), &doc), r.stdout)
	assert.Equal(t, 2, doc.Tests)
	assert.Equal(t, 1, doc.Failures)
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "taskmock.oracle", doc.Suites[1].Name)
	require.Len(t, doc.Suites[1].Cases, 1)
	require.NotNil(t, doc.Suites[1].Cases[0].Failure)
	assert.Contains(t, doc.Suites[1].Cases[0].Failure.Text, " /state ")
}

func TestValidateColor(t *testing.T) {
	lowerState := variant(t, oracleExample, "lower-state.json", `"state": "COMPLETED"`, `"state": "completed"`)
	tests := []struct {
		name    string
		noColor string
		args    []string
		colored bool
	}{
		{"auto on a buffer", "", nil, false},
		{"always", "", []string{"--color", "always"}, true},
		{"always beats NO_COLOR", "1", []string{"--color", "always"}, true},
		{"never", "", []string{"--color", "never"}, false},
		{"json is never coloured", "", []string{"--color", "always", "--format", "json"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			r := run(t, "", append(append([]string{"validate"}, tt.args...), esriExample, lowerState)...)
			assert.Equal(t, tt.colored, strings.Contains(r.stdout, "\x1b["), r.stdout)
		})
	}
}

func TestValidateInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runCtx(t, ctx, "", "validate", esriExample)
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "taskmock validate: interrupted\n", r.stderr)
	assert.Empty(t, r.stdout)
}

func TestValidateInterruptedWhileReadingStdin(t *testing.T) {
	pr, pw := io.Pipe() // a standard input that never ends
	t.Cleanup(func() { pw.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := cli.Run(ctx, []string{"validate", "-"}, pr, &stdout, &stderr)
	assert.Equal(t, 2, cli.ExitCode(err))
	assert.Equal(t, "taskmock validate: interrupted\n", stderr.String())
}

// TestValidateDirectoryGoesPastBadFiles: a broken file in a directory is
// named on stderr, the other files are still checked, and the exit code is 2.
func TestValidateDirectoryGoesPastBadFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a-broken.json"), []byte(`{"task": {`), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "b"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b", "oracle.json"), []byte(readFile(t, oracleExample)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b", "bad-state.json"),
		[]byte(strings.Replace(readFile(t, oracleExample), `"state": "COMPLETED"`, `"state": "Completed"`, 1)), 0o644))

	r := run(t, "", "validate", dir)
	assert.Equal(t, 2, r.code)
	assert.Equal(t, []string{"taskmock validate: " + filepath.Join(dir, "a-broken.json") + ": truncated JSON (unexpected end of input at byte 10)"}, r.stderrLines())
	assert.Contains(t, r.stdout, filepath.Join(dir, "b", "bad-state.json")+": error /state schema-enum:")
	assert.Contains(t, r.stdout, "checked 2 responses: 1 passed, 1 failed (1 error, 0 warnings)")
}

// lockedBuffer is a bytes.Buffer that a Run and a test can share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// harOfEntries wraps entries in a HAR document.
func harOfEntries(entries ...string) string {
	return `{"log": {"version": "1.2", "entries": [` + strings.Join(entries, ", ") + `]}}`
}

// harEntry is one HAR entry of a GET of an Oracle task answered with body.
func harEntry(t *testing.T, body string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"request":  map[string]any{"method": "GET", "url": "https://opa.example.com/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b", "headers": []any{}},
		"response": map[string]any{"status": 200, "headers": []any{map[string]any{"name": "Content-Type", "value": "application/json"}}, "content": map[string]any{"text": body}},
	})
	require.NoError(t, err)
	return string(b)
}

// startStreaming runs validate with args on a standard input that has
// only the start of a HAR: a broken Oracle response, then nothing until
// the returned finish is called, which sends the rest and waits for Run.
func startStreaming(t *testing.T, ctx context.Context, args ...string) (stdout *lockedBuffer, finish func() (stderr string, code int)) {
	t.Helper()
	broken := strings.Replace(readFile(t, oracleExample), `"state": "COMPLETED"`, `"state": "completed"`, 1)
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	stdout = &lockedBuffer{}
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, append(append([]string{"validate"}, args...), "-"), pr, stdout, &stderr)
	}()
	_, err := io.WriteString(pw, `{"log": {"version": "1.2", "entries": [`+harEntry(t, broken)+",\n")
	require.NoError(t, err)
	return stdout, func() (string, int) {
		go func() {
			io.WriteString(pw, harEntry(t, readFile(t, oracleExample))+"]}}")
			pw.Close()
		}()
		err := <-done
		return stderr.String(), cli.ExitCode(err)
	}
}

// TestValidateStreamsText: the text report of a response is written as
// soon as it is checked, before the input ends; the summary comes last.
func TestValidateStreamsText(t *testing.T) {
	stdout, finish := startStreaming(t, context.Background())
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "-#1: error /state ") },
		5*time.Second, 5*time.Millisecond, "the first response's lines are written while the input is still open")
	assert.NotContains(t, stdout.String(), "checked ")
	stderr, code := finish()
	assert.Equal(t, 1, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	assert.Equal(t, "checked 2 responses: 1 passed, 1 failed (1 error, 0 warnings)", lines[len(lines)-1], stdout.String())
}

// TestValidateSpoolsRemoved: the json and junit reports spool to
// temporary files, which are gone after the run, also after an interrupt.
func TestValidateSpoolsRemoved(t *testing.T) {
	for _, format := range []string{"json", "junit"} {
		t.Run(format, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			r := run(t, "", "validate", "--format", format, esriExample, oracleExample)
			require.Equal(t, 0, r.code, r.stderr)
			assert.NotEmpty(t, r.stdout)
			assertEmptyDir(t, tmp)
		})
		t.Run(format+" interrupted", func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stdout, finish := startStreaming(t, ctx, "--format", format)
			require.Eventually(t, func() bool {
				entries, err := os.ReadDir(tmp)
				return err == nil && len(entries) > 0
			}, 5*time.Second, 5*time.Millisecond, "the first response is spooled")
			cancel()
			stderr, code := finish()
			assert.Equal(t, 2, code)
			assert.Equal(t, "taskmock validate: interrupted\n", stderr)
			assert.Empty(t, stdout.String())
			assertEmptyDir(t, tmp)
		})
	}
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "temporary files left in %s", dir)
}

// TestValidateReportsUnchanged: what validate writes is what report.Render
// renders for the same results, in every format, so the goldens of
// report_test.go hold for validate too.
func TestValidateReportsUnchanged(t *testing.T) {
	lowerState := variant(t, oracleExample, "lower-state.json", `"state": "COMPLETED"`, `"state": "completed"`)
	badPair := variant(t, esriExample, "bad-pair.json", `"statusCode": 0,`, `"statusCode": 3,`)
	inputs := []string{esriExample, lowerState, badPair, oracleExample, lowerState}
	for _, format := range report.Formats() {
		if format == report.FormatGitHub || format == report.FormatSARIF || format == report.FormatHTML {
			continue // they place violations in the input, or show bodies: TestValidateGitHubLines, TestValidateSARIF, TestValidateReportFiles
		}
		t.Run(string(format), func(t *testing.T) {
			var results []report.Result
			for _, in := range inputs {
				r := run(t, "", "validate", "--format", "json", in)
				var rep struct {
					Results []struct {
						Source     string               `json:"source"`
						API        specs.Name           `json:"api"`
						Operation  string               `json:"operation"`
						Status     int                  `json:"status"`
						Violations []contract.Violation `json:"violations"`
					} `json:"results"`
				}
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
				require.Len(t, rep.Results, 1)
				jr := rep.Results[0]
				results = append(results, report.Result{Source: jr.Source,
					Report: contract.Report{API: jr.API, Operation: jr.Operation, Status: jr.Status, Violations: jr.Violations}})
			}
			want, err := report.Render(format, results, report.Options{})
			require.NoError(t, err)
			r := run(t, "", append([]string{"validate", "--format", string(format), "--color", "never"}, inputs...)...)
			assert.Equal(t, string(want), r.stdout)
		})
	}
}

// TestValidateProgress: --progress always draws the status line on
// stderr and erases it before any other line and at the end; never, and
// auto on what is not a terminal, draw nothing.
func TestValidateProgress(t *testing.T) {
	const erase = "\r\x1b[K"
	missing := filepath.Join(t.TempDir(), "missing.json")
	wantStdout := "checked 2 responses: 2 passed, 0 failed (0 errors, 0 warnings)\n"
	tests := []struct {
		name string
		args []string
		want func(t *testing.T, stderr string)
	}{
		{"auto on a buffer", nil, func(t *testing.T, stderr string) { assert.Empty(t, stderr) }},
		{"never", []string{"--progress", "never"}, func(t *testing.T, stderr string) { assert.Empty(t, stderr) }},
		{"always", []string{"--progress", "always"}, func(t *testing.T, stderr string) {
			assert.True(t, strings.HasPrefix(stderr, "\rtaskmock validate: "), "%q", stderr)
			assert.Contains(t, stderr, "esri-example.json 0% (0 of 418 B), 0 responses, 0 failed\x1b[K", "drawn when the first input is opened")
			assert.Contains(t, stderr, " responses, 0 failed\x1b[K")
			assert.True(t, strings.HasSuffix(stderr, erase), "erased at the end: %q", stderr)
			assert.NotContains(t, stderr, "\n")
		}},
		{"always, with an error line", []string{"--progress", "always", missing}, func(t *testing.T, stderr string) {
			assert.True(t, strings.HasPrefix(stderr, "\rtaskmock validate: "), "%q", stderr)
			assert.Contains(t, stderr, erase+"taskmock validate: "+missing+": no such file or directory\n",
				"the line is erased before the error")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"validate", esriExample, oracleExample}, tt.args...)
			r := run(t, "", args...)
			assert.Equal(t, wantStdout, r.stdout)
			tt.want(t, r.stderr)
		})
	}
}

func TestValidateBadProgressFlag(t *testing.T) {
	r := run(t, "", "validate", "--progress", "sometimes", esriExample)
	assert.Equal(t, 2, r.code)
	assert.Equal(t, []string{`taskmock validate: --progress must be auto, always or never, got "sometimes"`, "Run 'taskmock validate --help' for usage."}, r.stderrLines())
	assert.Empty(t, r.stdout)
}

// TestValidateHidesEchoedCredentials validates a HAR whose responses echo
// the credentials of their requests (a token parameter of the URL or the
// form, Authorization, a cookie), JSON-escaped, percent-encoded with
// lower-case hex, and cut by a message's length limit: no report format
// shows any of them.
func TestValidateHidesEchoedCredentials(t *testing.T) {
	tokens := []string{"url/tok+en=0123456789", "bearer/tok+en=0123456789", "form/tok+en=0123456789", "cookie/tok+en=0123456789", "login/set+cookie=0123456789",
		"multipart/tok+en=0123456789", "json/tok+en=0123456789"}
	oracleURL := "https://opa.example.com/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b"
	esriURL := "https://gis.example.com/server/rest/services/Prod/TopographicProductionServer/workflows/tasks/getTask"
	withState := func(state string) string {
		return strings.Replace(readFile(t, oracleExample), `"state": "COMPLETED"`, `"state": "`+state+`"`, 1)
	}
	slash := func(s string) string { return strings.ReplaceAll(s, "/", `\/`) }
	lowerHex := func(s string) string { return strings.ToLower(url.QueryEscape(s)) }
	hdr := func(pairs ...string) []any {
		var out []any
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, map[string]any{"name": pairs[i], "value": pairs[i+1]})
		}
		return out
	}
	entries := []map[string]any{
		{"request": map[string]any{"method": "GET", "url": oracleURL + "?access_token=" + url.QueryEscape(tokens[0]), "headers": []any{}},
			"response": map[string]any{"status": 200, "headers": hdr("Content-Type", "application/json"),
				"content": map[string]any{"text": withState(slash(tokens[0]))}}},
		{"request": map[string]any{"method": "GET", "url": oracleURL, "headers": hdr("Authorization", "Bearer "+tokens[1])},
			"response": map[string]any{"status": 401, "headers": hdr("Content-Type", "application/json"),
				"content": map[string]any{"text": `{"title":"Unauthorized","detail":"token ` + lowerHex(tokens[1]) + ` refused"}`}}},
		{"request": map[string]any{"method": "POST", "url": esriURL, "headers": hdr("Content-Type", "application/x-www-form-urlencoded"),
			"postData": map[string]any{"mimeType": "application/x-www-form-urlencoded", "text": "f=json&token=" + url.QueryEscape(tokens[2])}},
			"response": map[string]any{"status": 200, "headers": hdr("Content-Type", "application/json"),
				"content": map[string]any{"text": `{"error":{"code":498,"message":"` + strings.Repeat("x", 190) + slash(tokens[2]) + `","details":[]}}`}}},
		{"request": map[string]any{"method": "GET", "url": oracleURL, "headers": hdr("Cookie", "theme=dark; SESSION="+tokens[3])},
			"response": map[string]any{"status": 200, "headers": hdr("Content-Type", "application/json"),
				"content": map[string]any{"text": withState(tokens[3])}}},
		// A session cookie set by one response, and a token sent with an
		// earlier request, echoed by a response whose request carries
		// neither.
		{"request": map[string]any{"method": "GET", "url": oracleURL, "headers": []any{}},
			"response": map[string]any{"status": 200, "headers": hdr("Content-Type", "application/json", "Set-Cookie", "SID="+tokens[4]+"; HttpOnly"),
				"content": map[string]any{"text": withState("ASSIGNED")}}},
		{"request": map[string]any{"method": "GET", "url": oracleURL, "headers": []any{}},
			"response": map[string]any{"status": 200, "headers": hdr("Content-Type", "application/json"),
				"content": map[string]any{"text": withState(tokens[4] + " " + tokens[1])}}},
		// Credentials of request bodies that are not URL-encoded forms: a
		// multipart form (its Content-Type not kept), a JSON body's member.
		{"request": map[string]any{"method": "POST", "url": esriURL, "headers": []any{},
			"postData": map[string]any{"mimeType": "multipart/form-data", "text": "--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n" + tokens[5] + "\r\n--XyZ--\r\n"}},
			"response": map[string]any{"status": 200, "headers": hdr("Content-Type", "application/json"),
				"content": map[string]any{"text": `{"error":{"code":498,"message":"` + lowerHex(tokens[5]) + `","details":[]}}`}}},
		{"request": map[string]any{"method": "POST", "url": "https://opa.example.com/process/api/v1/tasks/reassign", "headers": hdr("Content-Type", "application/json"),
			"postData": map[string]any{"mimeType": "application/json", "text": `{"taskIds":["T1"],"identities":[{"id":"G","type":"GROUP"}],"access_token":"` + tokens[6] + `"}`}},
			"response": map[string]any{"status": 200, "headers": hdr("Content-Type", "application/json"),
				"content": map[string]any{"text": `{"totalCount":1,"sucessCount":0,"failedCount":1,"items":[{"taskId":"T1","status":"` + slash(tokens[6]) + `"}]}`}}},
	}
	doc, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "entries": entries}})
	require.NoError(t, err)
	har := filepath.Join(t.TempDir(), "echo.har")
	require.NoError(t, os.WriteFile(har, doc, 0o644))

	for _, format := range []string{"text", "json", "junit"} {
		t.Run(format, func(t *testing.T) {
			r := run(t, "", "validate", "--format", format, har)
			assert.Equal(t, 1, r.code, r.stderr)
			out := r.stdout + r.stderr
			assert.Contains(t, out, "REDACTED")
			for _, tok := range tokens {
				for _, form := range []string{tok, slash(tok), url.QueryEscape(tok), lowerHex(tok), tok[:10], tok[len(tok)-10:]} {
					assert.NotContains(t, out, form)
				}
			}
		})
	}
}

// TestValidateUnreadableInputs: every input that could not be read (a
// missing file, a broken one, a body over --max-body, a subdirectory that
// cannot be listed) has its line on stderr, a result with "error" in the
// json report and an <error> in the junit report, and the inputs after it
// are still checked.
func TestValidateUnreadableInputs(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a-broken.json"), []byte(`{"task": {`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b-big.json"), []byte(strings.Replace(readFile(t, oracleExample), `"title": "User task V1"`, `"title": "`+strings.Repeat("x", 9000)+`"`, 1)), 0o644))
	deep := deepDir(t, filepath.Join(dir, "c"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d-oracle.json"), []byte(readFile(t, oracleExample)), 0o644))
	missing := filepath.Join(dir, "missing.json")
	args := []string{"--max-body", "8192", dir, missing, esriExample}

	wantStderr := []string{
		"taskmock validate: " + filepath.Join(dir, "a-broken.json") + ": truncated JSON (unexpected end of input at byte 10)",
		"taskmock validate: " + filepath.Join(dir, "b-big.json") + ": body of ",
		"taskmock validate: " + filepath.Join(dir, "c", strings.Repeat("d", 200)),
		"taskmock validate: " + missing + ": no such file or directory",
	}
	checkStderr := func(t *testing.T, r result) {
		lines := r.stderrLines()
		require.Len(t, lines, len(wantStderr), r.stderr)
		for i, want := range wantStderr {
			assert.True(t, strings.HasPrefix(lines[i], want), "line %d: %q does not start with %q", i, lines[i], want)
		}
		assert.True(t, strings.HasSuffix(lines[1], " is over the limit of 8 KiB; raise --max-body to check it"), lines[1])
		assert.True(t, strings.HasPrefix(deep, strings.TrimSuffix(strings.TrimPrefix(lines[2], "taskmock validate: "), ": file name too long")), lines[2])
	}

	t.Run("text", func(t *testing.T) {
		r := run(t, "", append([]string{"validate"}, args...)...)
		assert.Equal(t, 2, r.code)
		assert.Equal(t, "checked 2 responses: 2 passed, 0 failed (0 errors, 0 warnings)\n", r.stdout)
		checkStderr(t, r)
	})
	t.Run("json", func(t *testing.T) {
		r := run(t, "", append([]string{"validate", "--format", "json"}, args...)...)
		assert.Equal(t, 2, r.code)
		checkStderr(t, r)
		var rep jsonReport
		decodeStrict(t, []byte(r.stdout), &rep)
		assert.Equal(t, jsonSummary{Checked: 2, Passed: 2, Unreadable: 4}, rep.Summary)
		require.Len(t, rep.Results, 6)
		var sources, errs []string
		for _, res := range rep.Results {
			sources = append(sources, res.Source)
			errs = append(errs, res.Error)
		}
		assert.Equal(t, filepath.Join(dir, "a-broken.json"), sources[0])
		assert.Equal(t, "truncated JSON (unexpected end of input at byte 10)", errs[0])
		assert.Equal(t, filepath.Join(dir, "b-big.json"), sources[1])
		assert.Contains(t, errs[1], "over the limit of 8 KiB; raise --max-body to check it")
		assert.Equal(t, "file name too long", errs[2])
		assert.Equal(t, filepath.Join(dir, "d-oracle.json"), sources[3])
		assert.Empty(t, errs[3])
		assert.Equal(t, missing, sources[4])
		assert.Equal(t, "no such file or directory", errs[4])
		assert.Equal(t, esriExample, sources[5])
	})
	t.Run("junit", func(t *testing.T) {
		r := run(t, "", append([]string{"validate", "--format", "junit"}, args...)...)
		assert.Equal(t, 2, r.code)
		checkStderr(t, r)
		var doc struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
			Suites   []struct {
				Name   string `xml:"name,attr"`
				Errors int    `xml:"errors,attr"`
				Cases  []struct {
					Name  string `xml:"name,attr"`
					Error *struct {
						Message string `xml:"message,attr"`
						Type    string `xml:"type,attr"`
					} `xml:"error"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		require.NoError(t, xml.Unmarshal([]byte(r.stdout), &doc), r.stdout)
		assert.Equal(t, 6, doc.Tests)
		assert.Equal(t, 0, doc.Failures)
		assert.Equal(t, 4, doc.Errors)
		require.Len(t, doc.Suites, 3)
		s := doc.Suites[2]
		assert.Equal(t, "taskmock.unreadable", s.Name)
		assert.Equal(t, 4, s.Errors)
		require.Len(t, s.Cases, 4)
		require.NotNil(t, s.Cases[0].Error)
		assert.Equal(t, "unreadable", s.Cases[0].Error.Type)
		assert.Equal(t, "no such file or directory", s.Cases[3].Error.Message)
	})
}

// TestValidateMaxBody: --max-body is parsed as check parses it; a body
// over it is not checked, and a HAR entry over it is reported while the
// next entry is checked.
func TestValidateMaxBody(t *testing.T) {
	big := harEntry(t, strings.Replace(readFile(t, oracleExample), `"title": "User task V1"`, `"title": "`+strings.Repeat("x", 9000)+`"`, 1))
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string
		stderr string
	}{
		{name: "default 64 MiB", args: []string{"-"}, stdin: readFile(t, oracleExample), code: 0,
			stdout: "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n"},
		{name: "HAR entry over the limit, the next checked", args: []string{"--max-body", "8192", "-"},
			stdin: harOfEntries(big, harEntry(t, readFile(t, oracleExample))), code: 2,
			stdout: "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n",
			stderr: "taskmock validate: -#1: body of 11"},
		{name: "stdin over the limit", args: []string{"--max-body", "100", "--api", "oracle", "-"}, stdin: readFile(t, oracleExample), code: 2,
			stderr: "taskmock validate: -: body larger than the limit of 100 bytes (not read further); raise --max-body to check it"},
		{name: "zero", args: []string{"--max-body", "0", "-"}, code: 2, stderr: "taskmock validate: --max-body must be positive, got 0"},
		{name: "not a number", args: []string{"--max-body", "64MiB", "-"}, code: 2, stderr: "taskmock validate: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.stdin, append([]string{"validate"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, r.stderr)
			if tt.stdout != "" {
				assert.Equal(t, tt.stdout, r.stdout)
			}
			if tt.stderr == "" {
				assert.Empty(t, r.stderr)
			} else {
				assert.True(t, strings.HasPrefix(r.stderr, tt.stderr), r.stderr)
			}
		})
	}
}

// TestValidateNotRecorded: HAR entries of the APIs whose body was not
// saved are skipped, not failed, and the summary says how many.
func TestValidateNotRecorded(t *testing.T) {
	notSaved := strings.Replace(harEntry(t, ""), `"text":""`, `"size":2761`, 1)
	require.Contains(t, notSaved, `"size":2761`)
	r := run(t, harOfEntries(notSaved, harEntry(t, readFile(t, oracleExample)), notSaved), "validate", "-")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings); 2 HAR entries skipped: body not recorded\n", r.stdout)

	r = run(t, harOfEntries(notSaved), "validate", "--format", "json", "-")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "taskmock validate: no response of the two APIs found in the input (1 HAR entry skipped, 1 of them: body not recorded)\n", r.stderr)
	var rep jsonReport
	decodeStrict(t, []byte(r.stdout), &rep)
	assert.Equal(t, jsonSummary{NotRecorded: 1}, rep.Summary)
}

// deepDir makes directories under dir, each made relative to the one
// above it, until their path is longer than PATH_MAX: listing the deepest
// fails with "file name too long", even for root. It returns that path.
func deepDir(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.Mkdir(dir, 0o755))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	name := strings.Repeat("d", 200)
	path := dir
	for len(path) <= 4200 {
		require.NoError(t, root.Mkdir(name, 0o755))
		next, err := root.OpenRoot(name)
		require.NoError(t, err)
		root.Close()
		root = next
		path = filepath.Join(path, name)
	}
	root.Close()
	return path
}

// TestValidateSpecialFiles: a FIFO or a device named on the command line
// is read like standard input: a FIFO's body is checked once a writer
// sends it, an interrupt stops the wait for a writer that never comes,
// and /dev/zero stops at --max-body.
func TestValidateSpecialFiles(t *testing.T) {
	fifo := func(t *testing.T) string {
		p := filepath.Join(t.TempDir(), "x.json")
		require.NoError(t, makeFIFO(t, p))
		t.Cleanup(func() { // unblock an open left waiting for a writer
			if f, err := os.OpenFile(p, os.O_RDWR, 0); err == nil {
				f.Close()
			}
		})
		return p
	}
	tests := []struct {
		name   string
		path   func(t *testing.T) string
		write  string // written into the FIFO, when set
		args   []string
		code   int
		stderr string
	}{
		{name: "fifo with no writer", path: fifo, code: 2, stderr: "taskmock validate: interrupted\n"},
		{name: "fifo with a body", path: fifo, write: readFile(t, oracleExample), code: 0},
		{name: "dev zero", path: func(*testing.T) string { return "/dev/zero" }, args: []string{"--max-body", "1000"}, code: 2,
			stderr: "taskmock validate: /dev/zero: body larger than the limit of 1000 bytes (not read further); raise --max-body to check it\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.path(t)
			if tt.write != "" {
				go func() {
					if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
						_, _ = f.WriteString(tt.write)
						f.Close()
					}
				}()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			done := make(chan result, 1)
			go func() { done <- runCtx(t, ctx, "", append(append([]string{"validate"}, tt.args...), p)...) }()
			select {
			case r := <-done:
				assert.Equal(t, tt.code, r.code, r.stderr)
				if tt.stderr != "" {
					assert.Equal(t, tt.stderr, r.stderr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("validate did not return after its context ended")
			}
		})
	}
}

// TestValidateTornRecording: the HAR of a recording of taskmock proxy cut
// in the middle of its last entry (a crash while writing) has its
// complete entries checked and one warning line, and exits 0; any other
// HAR cut short is an error.
func TestValidateTornRecording(t *testing.T) {
	entry := harEntry(t, readFile(t, oracleExample))
	recording := `{"log":{"version":"1.2","creator":{"name":"taskmock proxy","version":"1"},"entries":[` +
		"\n" + entry + ",\n" + entry + ",\n" + entry[:len(entry)/2]
	foreign := `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"1"},"entries":[` +
		"\n" + entry + ",\n" + entry + ",\n" + entry[:len(entry)/2]
	tests := []struct {
		name   string
		har    string
		code   int
		stdout string
		stderr string
	}{
		{"taskmock recording", recording, 0, "checked 2 responses: 2 passed, 0 failed (0 errors, 0 warnings)\n",
			"taskmock validate: rec.har#3: warning: incomplete last entry set aside: the recording ends in an interrupted write (the proxy was stopped while it wrote); the 2 entries before it were read\n"},
		{"another HAR", foreign, 2, "", "rec.har#3: truncated JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "rec.har")
			require.NoError(t, os.WriteFile(path, []byte(tt.har), 0o644))
			t.Chdir(dir)
			r := run(t, "", "validate", "--color", "never", "rec.har")
			assert.Equal(t, tt.code, r.code, r.stderr)
			if tt.stdout != "" {
				assert.Equal(t, tt.stdout, r.stdout)
			}
			if tt.code == 0 {
				assert.Equal(t, tt.stderr, r.stderr)
			} else {
				assert.Contains(t, r.stderr, tt.stderr)
			}
		})
	}
}

// TestValidateTornRecordingInReports: the JSON and JUnit reports carry
// the torn end of a recording as a notice, beside the checked responses.
func TestValidateTornRecordingInReports(t *testing.T) {
	entry := harEntry(t, readFile(t, oracleExample))
	recording := `{"log":{"version":"1.2","creator":{"name":"taskmock proxy","version":"1"},"entries":[` +
		"\n" + entry + ",\n" + entry[:len(entry)/2]
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rec.har"), []byte(recording), 0o644))
	t.Chdir(dir)

	r := run(t, "", "validate", "--format", "json", "rec.har")
	require.Equal(t, 0, r.code, r.stderr)
	var doc struct {
		Summary struct{ Checked, Passed, Notices int }
		Results []struct{ Source, Notice, Error string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), r.stdout)
	assert.Equal(t, 1, doc.Summary.Checked)
	assert.Equal(t, 1, doc.Summary.Notices)
	require.Len(t, doc.Results, 2)
	assert.Equal(t, "rec.har#2", doc.Results[1].Source)
	assert.Contains(t, doc.Results[1].Notice, "incomplete last entry set aside")
	assert.Empty(t, doc.Results[1].Error)

	r = run(t, "", "validate", "--format", "junit", "rec.har")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `<testsuite name="taskmock.notices" tests="1" failures="0" errors="0" skipped="1">`)
	assert.Contains(t, r.stdout, `<testcase classname="taskmock.notices" name="rec.har#2">`)
	assert.Contains(t, r.stdout, `<skipped message="warning: incomplete last entry set aside`)
	assert.Contains(t, r.stdout, `<testsuites name="taskmock" tests="2" failures="0" errors="0">`)
}

// TestValidateDirSkipsSpecialFiles: a named pipe or a device inside a
// directory is not read, and one line says so for each.
func TestValidateDirSkipsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "task.json"), []byte(readFile(t, oracleExample)), 0o644))
	require.NoError(t, makeFIFO(t, filepath.Join(dir, "pipe.json")))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.har")))
	done := make(chan result, 1)
	go func() { done <- run(t, "", "validate", "--color", "never", dir) }()
	select {
	case r := <-done:
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)\n", r.stdout)
		assert.Equal(t, []string{
			"taskmock validate: " + filepath.Join(dir, "pipe.json") + ": skipped: not a regular file (a named pipe)",
			"taskmock validate: " + filepath.Join(dir, "zero.har") + ": skipped: not a regular file (a link to a device)",
		}, r.stderrLines())
	case <-time.After(10 * time.Second):
		t.Fatal("validate waited on the named pipe")
	}
}

// TestValidateReadsFixturesOutput: what taskmock fixtures writes, NDJSON
// or a JSON array, validates as one response per task, each named by its
// line or its place, and --name names standard input.
func TestValidateReadsFixturesOutput(t *testing.T) {
	ndjson := run(t, "", "fixtures", "--api", "oracle", "--count", "3")
	require.Equal(t, 0, ndjson.code, ndjson.stderr)
	r := run(t, ndjson.stdout, "validate", "--format", "json", "--name", "tasks.ndjson", "-")
	require.Equal(t, 0, r.code, r.stderr)
	var doc struct {
		Summary struct{ Checked, Passed int }
		Results []struct{ Source string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, 3, doc.Summary.Passed)
	require.Len(t, doc.Results, 3)
	assert.Equal(t, "tasks.ndjson:1", doc.Results[0].Source)
	assert.Equal(t, "tasks.ndjson:3", doc.Results[2].Source)

	array := run(t, "", "fixtures", "--api", "esri", "--count", "6", "--format", "json")
	require.Equal(t, 0, array.code, array.stderr)
	r = run(t, array.stdout, "validate", "--color", "never", "-")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "checked 6 responses: 6 passed, 0 failed (0 errors, 0 warnings)\n", r.stdout)

	bad := strings.Replace(ndjson.stdout, `"state":"`, `"state":"NOPE`, 1)
	r = run(t, bad, "validate", "--color", "never", "-")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "-:1: error /state")
}

// TestValidateIgnore: --ignore leaves the named rules' violations out of
// the report and the verdict; an unknown rule is a usage error.
func TestValidateIgnore(t *testing.T) {
	body := `{"id":"x","state":"nope"}`
	r := run(t, body, "validate", "--api", "oracle", "--color", "never", "-")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "schema-enum")
	r = run(t, body, "validate", "--api", "oracle", "--color", "never", "--ignore", "schema-enum, schema-required", "--ignore", "unknown-property", "-")
	assert.Equal(t, 0, r.code, r.stdout)
	assert.NotContains(t, r.stdout, "schema-enum")
	r = run(t, body, "validate", "--api", "oracle", "--ignore", "nope", "-")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--ignore: unknown rule "nope" (known: status-undocumented, `)
}

// TestValidateBaseline: --write-baseline accepts the violations of a run
// (it exits 0); with --baseline they are left out and only new ones fail;
// a baseline that is not one is a usage error.
func TestValidateBaseline(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("two.ndjson", []byte("{\"id\":\"x\",\"state\":\"nope\"}\n{\"id\":\"y\",\"priority\":\"high\"}\n"), 0o644))
	r := run(t, "", "validate", "--api", "oracle", "--color", "never", "--write-baseline", "base.json", "two.ndjson")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 violations accepted in base.json")
	b, err := os.ReadFile("base.json")
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":1,"violations":[
		{"source":"two.ndjson:1","rule":"schema-enum","location":"/state"},
		{"source":"two.ndjson:2","rule":"schema-type","location":"/priority"}]}`, string(b))

	r = run(t, "", "validate", "--api", "oracle", "--color", "never", "--baseline", "base.json", "two.ndjson")
	assert.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, "checked 2 responses: 2 passed, 0 failed (0 errors, 0 warnings)\n", r.stdout)

	require.NoError(t, os.WriteFile("two.ndjson", []byte("{\"id\":\"x\",\"state\":\"nope\",\"title\":7}\n{\"id\":\"y\",\"priority\":\"high\"}\n"), 0o644))
	r = run(t, "", "validate", "--api", "oracle", "--color", "never", "--baseline", "base.json", "two.ndjson")
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "two.ndjson:1: error /title schema-type: expected string, found number 7\n"), r.stdout)

	for name, content := range map[string]string{"not JSON": "{", "another file": `{"a":1}`, "version": `{"version":2,"violations":[]}`} {
		require.NoError(t, os.WriteFile("bad.json", []byte(content), 0o644))
		r = run(t, "", "validate", "--api", "oracle", "--baseline", "bad.json", "two.ndjson")
		assert.Equal(t, 2, r.code, name)
		assert.Contains(t, r.stderr, "--baseline bad.json: ", name)
	}
	// A bad entry is named by its line.
	for name, tc := range map[string]struct{ content, want string }{
		"syntax":     {"{\"version\": 1,\n \"violations\": [\n  {\"source\": \"a\",, \"rule\": \"r\"}]}", "--baseline bad.json: line 3: not a baseline"},
		"type":       {"{\"version\": 1,\n \"violations\": [\n\n  {\"source\": 3}]}", "--baseline bad.json: line 4: not a baseline"},
		"incomplete": {"{\"version\": 1,\n \"violations\": [\n  {\"source\": \"a\", \"rule\": \"r\"},\n  {\"source\": \"b\"}]}", "--baseline bad.json: line 4: violation 2: expected a source and a rule"},
		"cut short":  {"{\"version\": 1,\n \"violations\": [\n  {\"source\": \"a\",", "--baseline bad.json: line 3: not a baseline written by --write-baseline: unexpected EOF"},
		"an array":   {"[]", "--baseline bad.json: line 1: not a baseline written by --write-baseline: the file: expected an object, found an array"},
		"a field":    {"{\"version\": 1,\n \"violations\": {}}", "--baseline bad.json: line 2: not a baseline written by --write-baseline: violations: expected an array, found an object"},
	} {
		require.NoError(t, os.WriteFile("bad.json", []byte(tc.content), 0o644))
		r = run(t, "", "validate", "--api", "oracle", "--baseline", "bad.json", "two.ndjson")
		assert.Equal(t, 2, r.code, name)
		assert.Contains(t, r.stderr, tc.want, name)
		assert.NotContains(t, r.stderr, "Go ", name)
	}
}

// TestValidateBaselineOverItsLimit: --write-baseline never writes a
// baseline --baseline would refuse; one at the limit is read back.
func TestValidateBaselineOverItsLimit(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	var lines strings.Builder
	for i := range 40 {
		fmt.Fprintf(&lines, "{\"id\":\"x%d\",\"state\":\"nope\"}\n", i)
	}
	require.NoError(t, os.WriteFile("many.ndjson", []byte(lines.String()), 0o644))
	require.NoError(t, os.WriteFile("one.ndjson", []byte("{\"id\":\"x\",\"state\":\"nope\"}\n"), 0o644))
	r := run(t, "", "validate", "--api", "oracle", "--write-baseline", "one.json", "one.ndjson")
	require.Equal(t, 0, r.code, r.stderr)
	one, err := os.ReadFile("one.json")
	require.NoError(t, err)

	cli.SetMaxBaselineBytes(t, len(one))
	r = run(t, "", "validate", "--api", "oracle", "--baseline", "one.json", "one.ndjson")
	assert.Equal(t, 0, r.code, "a baseline at the limit is read: %s", r.stderr)
	r = run(t, "", "validate", "--api", "oracle", "--write-baseline", "many.json", "many.ndjson")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Regexp(t, `^taskmock validate: --write-baseline many.json: the 40 violations of this run make a baseline of \d+ bytes, over the \d+ bytes --baseline reads; nothing was written`, r.stderr)
	assert.NoFileExists(t, "many.json")
}

// TestValidateGitHubLines: the github format annotates each violation with
// the file and the line of its value as written: a JSON file's own line,
// an NDJSON line's number.
func TestValidateGitHubLines(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("one.json", []byte("{\n  \"id\": \"x\",\n  \"state\": \"nope\",\n  \"priority\": \"high\"\n}\n"), 0o644))
	require.NoError(t, os.WriteFile("two.ndjson", []byte("{\"id\":\"y\"}\n{\"id\":\"z\",\"title\":7}\n"), 0o644))
	r := run(t, "", "validate", "--api", "oracle", "--format", "github", "one.json", "two.ndjson")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "::error file=one.json,line=3,title=schema-enum::one.json /state: ")
	assert.Contains(t, r.stdout, "::error file=one.json,line=4,title=schema-type::one.json /priority: ")
	assert.Contains(t, r.stdout, "::error file=two.ndjson,line=2,title=schema-type::two.ndjson:2 /title: ")
	r = run(t, `{"id":"x","state":"nope"}`, "validate", "--api", "oracle", "--format", "github", "-")
	assert.Contains(t, r.stdout, "::error title=schema-enum::- /state: ", "standard input has no file")
}

// TestValidateJUnitNames: a JUnit test case is named after what was
// checked: the recorded request of a HAR entry (credentials redacted),
// the file, or stdin.
func TestValidateJUnitNames(t *testing.T) {
	ndjson := run(t, "", "fixtures", "--api", "oracle", "--count", "2")
	r := run(t, ndjson.stdout, "validate", "--format", "junit", "-")
	assert.Contains(t, r.stdout, `name="stdin:1"`)
	assert.Contains(t, r.stdout, `name="stdin:2"`)
	r = run(t, ndjson.stdout, "validate", "--format", "junit", "--name", "tasks.ndjson", "-")
	assert.Contains(t, r.stdout, `name="tasks.ndjson:1"`)

	dir := t.TempDir()
	entry := harEntry(t, readFile(t, oracleExample))
	har := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + entry + `]}}`
	path := filepath.Join(dir, "traffic.har")
	require.NoError(t, os.WriteFile(path, []byte(har), 0o644))
	r = run(t, "", "validate", "--format", "junit", path)
	assert.Regexp(t, `name="GET https?://[^"]+/process/api/v1/tasks/[^"]+"`, r.stdout)
}

// TestValidateSARIF: the sarif report is SARIF 2.1.0 with the rules
// described once and each violation placed at its file and line.
func TestValidateSARIF(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("one.json", []byte("{\n  \"id\": \"x\",\n  \"state\": \"nope\"\n}\n"), 0o644))
	r := run(t, "", "validate", "--api", "oracle", "--format", "sarif", "one.json")
	assert.Equal(t, 1, r.code)
	var doc struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), r.stdout)
	assert.Equal(t, "2.1.0", doc.Version)
	require.Len(t, doc.Runs, 1)
	assert.Len(t, doc.Runs[0].Tool.Driver.Rules, len(contract.Rules()))
	require.Len(t, doc.Runs[0].Results, 1)
	res := doc.Runs[0].Results[0]
	assert.Equal(t, "schema-enum", res.RuleID)
	assert.Equal(t, "error", res.Level)
	assert.Equal(t, "one.json", res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Equal(t, 3, res.Locations[0].PhysicalLocation.Region.StartLine)
}

// TestValidatePact: a Pact file of specification v2, v3 or v4 is read
// interaction by interaction: each expected response of a documented
// operation is checked as if recorded, each expected request against its
// operation (request-invalid), other interactions skipped with a notice;
// each is reported under the file and its description.
func TestValidatePact(t *testing.T) {
	for _, v := range []string{"v2", "v3", "v4"} {
		t.Run(v, func(t *testing.T) {
			path := filepath.Join("testdata", "pact", v+".json")
			r := run(t, "", "validate", "--color", "never", path)
			assert.Equal(t, 1, r.code, r.stderr)
			lines := r.stdoutLines()
			require.Len(t, lines, 3, r.stdout)
			assert.True(t, strings.HasPrefix(lines[0], path+": a drifting task: error /state schema-enum: "), lines[0])
			assert.Equal(t, path+": a reassignment with a bad type (reassignTask): error request/body.identities[0].type request-invalid: expected one of USER, GROUP, ROLE, found another value", lines[1])
			assert.Equal(t, "checked 4 responses: 2 passed, 2 failed (2 errors, 0 warnings)", lines[2])
			assert.Contains(t, r.stderr, "Pact interactions skipped: not requests of the documented operations")
		})
	}
}

// TestValidatePactBadInteraction: an interaction that is not one names the
// file, the line it starts on and its number, exits 2, and the other
// interactions and inputs are still checked.
func TestValidatePactBadInteraction(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{
  "metadata": {"pactSpecification": {"version": "3.0.0"}},
  "interactions": [
    {"description": "a path that is a number",
     "request": {"method": "GET", "path": 1}},
    {"description": "a task",
     "request": {"method": "GET", "path": "/process/api/v1/tasks/1"},
     "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                  "body": {"id": "1", "state": "DONE"}}},
    null
  ]
}`), 0o644))
	good := filepath.Join("testdata", "pact", "v2.json")
	r := run(t, "", "validate", "--color", "never", bad, good)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, bad+":4: interaction 1: not a Pact interaction: request.path: expected a string, found a number")
	assert.NotContains(t, r.stderr, "Go struct", "the message speaks of the Pact file, not of Go types")
	assert.Contains(t, r.stderr, bad+":10: interaction 3: not a Pact interaction: expected an object, found null")
	assert.Contains(t, r.stdout, bad+": a task: error /state schema-enum")
	assert.Contains(t, r.stdout, good+": a drifting task: error /state schema-enum")
}

// TestValidateReportFiles: --report FORMAT=FILE writes more reports from
// the same run beside the one on standard output: the same counts, the
// html page with the offending value highlighted, files readable by
// others; a bad --report is a usage error that writes nothing.
func TestValidateReportFiles(t *testing.T) {
	bad := variant(t, oracleExample, "bad-state.json", `"state": "COMPLETED"`, `"state": "DONE"`)
	dir := t.TempDir()
	jsonPath, htmlPath, sarifPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html"), filepath.Join(dir, "r.sarif")
	r := run(t, "", "validate", "--color", "never", "--report", "json="+jsonPath, "--report", "html="+htmlPath,
		"--report", "sarif="+sarifPath, esriExample, bad)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "checked 2 responses: 1 passed, 1 failed")

	var rep jsonReport
	data, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	decodeStrict(t, data, &rep)
	assert.Equal(t, jsonSummary{Checked: 2, Passed: 1, Errors: 1}, rep.Summary)

	page, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	assert.Contains(t, string(page), `data-loc="/state"`)
	assert.Contains(t, string(page), `<span class="str">&#34;DONE&#34;</span></mark>`)
	fi, err := os.Stat(htmlPath)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	}

	var sarif struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						Region struct{ StartLine int }
					}
				}
			}
		}
	}
	data, err = os.ReadFile(sarifPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &sarif))
	require.Len(t, sarif.Runs[0].Results, 1)
	assert.Equal(t, 28, sarif.Runs[0].Results[0].Locations[0].PhysicalLocation.Region.StartLine,
		"the line of the value, placed although standard output has the text format")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3, "no temporary file left")

	for _, args := range [][]string{
		{"--report", "nope=" + filepath.Join(dir, "x")},
		{"--report", "html"},
		{"--report", "html=" + filepath.Join(dir, "missing", "x.html")},
		{"--report", "json=" + jsonPath, "--report", "html=" + jsonPath},
	} {
		r := run(t, "", append(append([]string{"validate"}, args...), esriExample)...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, "--report", args)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(r.stderr), "\n"), "one line and the usage hint: %s", r.stderr)
	}
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3)
}

// TestValidateHTMLHidesCredentialsPastTheCarriedOnes: the body the html
// report shows hides the credentials of its own exchange even when the
// credentials carried from earlier entries are at their bound.
func TestValidateHTMLHidesCredentialsPastTheCarriedOnes(t *testing.T) {
	const token = "late-token-0x5EC2E7"
	oracleURL := "https://opa.example.com/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b"
	body := readFile(t, oracleExample)
	var entries []any
	for i := range 1100 {
		entries = append(entries, map[string]any{
			"request":  map[string]any{"method": "GET", "url": oracleURL + "?access_token=early-token-" + strconv.Itoa(i), "headers": []any{}},
			"response": map[string]any{"status": 200, "headers": []any{map[string]any{"name": "Content-Type", "value": "application/json"}}, "content": map[string]any{"text": body}}})
	}
	entries = append(entries, map[string]any{
		"request": map[string]any{"method": "GET", "url": oracleURL + "?access_token=" + token, "headers": []any{}},
		"response": map[string]any{"status": 200, "headers": []any{map[string]any{"name": "Content-Type", "value": "application/json"}},
			"content": map[string]any{"text": strings.Replace(body, `"state": "COMPLETED"`, `"state": "`+token+`"`, 1)}}})
	doc, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "entries": entries}})
	require.NoError(t, err)
	har := filepath.Join(t.TempDir(), "many.har")
	require.NoError(t, os.WriteFile(har, doc, 0o644))
	r := run(t, "", "validate", "--format", "html", har)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "REDACTED")
	assert.NotContains(t, r.stdout, token[:12])
}

// TestValidateReportThroughLinksDevicesAndPipes: a --report or
// --write-baseline path that is a link, a device or a named pipe is
// written through, as the shell's > would: the link stays a link (its
// target gets the report), /dev/null stays a device, and a reader of the
// pipe gets the report. Renaming over them once replaced a system's
// /dev/null with a regular file.
func TestValidateReportThroughLinksDevicesAndPipes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no null device nor symbolic links for every user")
	}
	bad := variant(t, oracleExample, "bad-state.json", `"state": "COMPLETED"`, `"state": "DONE"`)
	device := nullDevice(t)
	dir := t.TempDir()
	target, link, null := filepath.Join(dir, "real.sarif"), filepath.Join(dir, "latest.sarif"), filepath.Join(dir, "null")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o644))
	require.NoError(t, os.Symlink("real.sarif", link))
	require.NoError(t, os.Symlink(device, null))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, makeFIFO(t, fifo))
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()

	r := run(t, "", "validate", "--color", "never", "--report", "sarif="+link, "--report", "junit="+null,
		"--report", "json="+fifo, "--report", "markdown="+device, bad)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Empty(t, r.stderr)

	kinds := map[string]os.FileMode{link: os.ModeSymlink, null: os.ModeSymlink, fifo: os.ModeNamedPipe, device: os.ModeDevice | os.ModeCharDevice}
	for p, want := range kinds {
		fi, err := os.Lstat(p)
		require.NoError(t, err)
		assert.Equal(t, want, fi.Mode().Type(), "%s keeps its kind", p)
	}
	sarif, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Contains(t, string(sarif), `"version": "2.1.0"`, "the link's target gets the report")
	select {
	case b := <-got:
		assert.Contains(t, b, `"errors": 1`, "the pipe's reader gets the report")
	case <-time.After(20 * time.Second): // its reader would wait for ever
		t.Error("the pipe's reader got nothing")
	}

	r = run(t, "", "validate", "--color", "never", "--write-baseline", null, bad)
	assert.Equal(t, 0, r.code, r.stderr)
	fi, err := os.Lstat(null)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode().Type(), "the baseline's link stays a link")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 4, "no temporary file left")
}

// TestValidateAmbiguousJSON: a body that parsers read differently (a member
// given twice, bytes not UTF-8) fails, named by rule and place, though
// encoding/json alone reads a task that keeps the contract.
func TestValidateAmbiguousJSON(t *testing.T) {
	good := readFile(t, oracleExample)
	dup := variant(t, oracleExample, "dup.json", `"state": "COMPLETED"`, `"state": "ASSIGNED", "state": "COMPLETED"`)
	bad8 := variant(t, oracleExample, "bad8.json", `"state": "COMPLETED"`, "\"state\": \"COMPLETED\", \"note\": \"\xff\"")
	require.NotEqual(t, good, readFile(t, bad8))
	r := run(t, "", "validate", "--api", "oracle", "--color", "never", dup, bad8)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "error /state body-duplicate-member: expected each member once, found it twice")
	assert.Regexp(t, `error body body-not-utf8: expected UTF-8, found the byte 0xff at byte \d+`, r.stdout)
	r = run(t, "", "validate", oracleExample, esriExample)
	assert.Equal(t, 0, r.code, "the vendors' examples still pass: %s", r.stdout)
}

// TestValidateNDJSONLongBlankLine: a blank line longer than --max-body and
// than the bytes read to tell the kind of input is skipped; the lines
// around it are still each checked as a body of their own.
func TestValidateNDJSONLongBlankLine(t *testing.T) {
	ndjson := run(t, "", "fixtures", "--api", "oracle", "--count", "2")
	lines := strings.Split(strings.TrimSpace(ndjson.stdout), "\n")
	require.Len(t, lines, 2)
	path := filepath.Join(t.TempDir(), "ws.ndjson")
	require.NoError(t, os.WriteFile(path, []byte(lines[0]+"\n"+strings.Repeat(" ", 200<<10)+"\n"+lines[1]+"\n"), 0o644))
	r := run(t, "", "validate", "--max-body", "100000", "--format", "junit", path)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, `name="`+path+`:1"`)
	assert.Contains(t, r.stdout, `name="`+path+`:3"`)
}
