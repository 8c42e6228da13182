package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/specs"
)

// fixturesRun is the outcome of one "taskmock fixtures" run.
type fixturesRun struct {
	stdout, stderr string
	code           int
	err            error
}

func runFixturesArgs(t *testing.T, args ...string) fixturesRun {
	t.Helper()
	return runFixturesCtx(t, context.Background(), args...)
}

func runFixturesCtx(t *testing.T, ctx context.Context, args ...string) fixturesRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runFixtures(ctx, args, &stdout, &stderr)
	return fixturesRun{stdout: stdout.String(), stderr: stderr.String(), code: ExitCode(err), err: err}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func strictValidate(t *testing.T, api specs.Name, body []byte) []contract.Violation {
	t.Helper()
	v, err := contract.New(contract.Strict(true))
	require.NoError(t, err)
	return v.Validate(contract.Exchange{API: api, Status: 200, Body: body}).Violations
}

func TestFixturesOut(t *testing.T) {
	tests := []struct {
		api   specs.Name
		count int
		name  *regexp.Regexp
	}{
		{specs.Oracle, 5, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.json$`)},
		{specs.Esri, 7, regexp.MustCompile(`^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}_[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\.json$`)},
	}
	for _, tt := range tests {
		t.Run(string(tt.api), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new", "dir")
			r := runFixturesArgs(t, "--api", string(tt.api), "--count", strconv.Itoa(tt.count), "--out", dir)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			printed := lines(r.stdout)
			require.Len(t, printed, tt.count)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, entries, tt.count)
			g := fixtures.New()
			for i, p := range printed {
				assert.Equal(t, dir, filepath.Dir(p))
				name := filepath.Base(p)
				assert.Regexp(t, tt.name, name)
				if tt.api == specs.Oracle {
					assert.Equal(t, g.OracleIdentity(i)+".json", name)
				} else {
					id := g.EsriIdentity(i)
					assert.Equal(t, id.TaskGroupJobID+"_"+id.TaskOperationID+".json", name)
				}
				body, err := os.ReadFile(p)
				require.NoError(t, err)
				assert.True(t, bytes.HasSuffix(body, []byte("}\n")), "trailing newline")
				assert.True(t, bytes.HasPrefix(body, []byte("{\n  \"")), "two-space indent")
				assert.Empty(t, strictValidate(t, tt.api, body))
				info, err := os.Stat(p)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
			}
		})
	}
}

func TestFixturesStdout(t *testing.T) {
	t.Run("ndjson", func(t *testing.T) {
		r := runFixturesArgs(t, "--api", "oracle", "--count", "4", "--lang", "fr")
		require.Equal(t, 0, r.code, r.stderr)
		ls := lines(r.stdout)
		require.Len(t, ls, 4)
		for _, l := range ls {
			var task fixtures.OracleTask
			require.NoError(t, json.Unmarshal([]byte(l), &task))
			assert.NotContains(t, l, "\n  ")
			assert.Empty(t, strictValidate(t, specs.Oracle, []byte(l)))
		}
		again := runFixturesArgs(t, "--lang", "fr", "--count", "4", "--api", "oracle")
		assert.Equal(t, r.stdout, again.stdout, "identical output for identical flags")
	})
	t.Run("json array", func(t *testing.T) {
		r := runFixturesArgs(t, "--api", "esri", "--count", "3", "--format", "json")
		require.Equal(t, 0, r.code, r.stderr)
		var got []fixtures.EsriResponse
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
		assert.Len(t, got, 3)
		assert.True(t, strings.HasPrefix(r.stdout, "[\n  {\n    \"task\": {\n"))
		assert.True(t, strings.HasSuffix(r.stdout, "  }\n]\n"))
	})
	t.Run("the same task as the generator", func(t *testing.T) {
		r := runFixturesArgs(t, "--api", "oracle", "--count", "2", "--seed", "99", "--now", "2025-03-04T05:06:07Z", "--base-url", "https://opa.example.com", "--state", "completed")
		require.Equal(t, 0, r.code, r.stderr)
		g := fixtures.New(fixtures.WithSeed(99), fixtures.WithClock(func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }), fixtures.WithBaseURL("https://opa.example.com"))
		want, err := g.Oracle(g.OracleIdentity(1), fixtures.Request{State: "COMPLETED"})
		require.NoError(t, err)
		b, _ := json.Marshal(want)
		assert.Equal(t, string(b), lines(r.stdout)[1])
	})
	t.Run("status", func(t *testing.T) {
		r := runFixturesArgs(t, "--api", "esri", "--count", "3", "--status", "In Progress")
		require.Equal(t, 0, r.code, r.stderr)
		for _, l := range lines(r.stdout) {
			assert.Contains(t, l, `"status":"inProgress"`)
		}
	})
}

func TestFixturesIdenticalFiles(t *testing.T) {
	read := func(dir string) map[string]string {
		files := map[string]string{}
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			files[e.Name()] = string(b)
		}
		return files
	}
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		r := runFixturesArgs(t, "--api", "oracle", "--count", "25", "--cover", "--seed", "7", "--out", dir)
		require.Equal(t, 0, r.code, r.stderr)
	}
	assert.Equal(t, read(a), read(b))
}

func TestFixturesCover(t *testing.T) {
	t.Run("oracle", func(t *testing.T) {
		r := runFixturesArgs(t, "--api", "oracle", "--count", "21", "--cover")
		require.Equal(t, 0, r.code, r.stderr)
		pairs := map[string]bool{}
		actions := map[string]bool{}
		priorities := map[int]bool{}
		for _, l := range lines(r.stdout) {
			var task fixtures.OracleTask
			require.NoError(t, json.Unmarshal([]byte(l), &task))
			pairs[task.State+"+"+task.Substate] = true
			actions[task.Reason.Action] = true
			priorities[task.Priority] = true
		}
		for _, st := range contract.OracleStates {
			for _, sub := range st.Substates {
				assert.True(t, pairs[st.State+"+"+sub], "%s+%s", st.State, sub)
			}
		}
		for _, a := range contract.OracleActions {
			assert.True(t, actions[a.Action], a.Action)
		}
		assert.Len(t, priorities, 3)
	})
	t.Run("esri", func(t *testing.T) {
		r := runFixturesArgs(t, "--api", "esri", "--count", "8", "--cover")
		require.Equal(t, 0, r.code, r.stderr)
		statuses := map[string]bool{}
		for _, l := range lines(r.stdout) {
			var res fixtures.EsriResponse
			require.NoError(t, json.Unmarshal([]byte(l), &res))
			statuses[res.Task.Status] = true
		}
		assert.Len(t, statuses, len(contract.EsriStatuses))
	})
	t.Run("too few", func(t *testing.T) {
		for _, tt := range []struct{ api, count, want string }{
			{"oracle", "20", "taskmock fixtures: --cover needs --count 21 or more for oracle (one task per state/substate pair), got 20"},
			{"esri", "5", "taskmock fixtures: --cover needs --count 6 or more for esri (one task per status), got 5"},
		} {
			r := runFixturesArgs(t, "--api", tt.api, "--count", tt.count, "--cover")
			assert.Equal(t, 2, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, []string{tt.want, "Run 'taskmock fixtures --help' for usage."}, lines(r.stderr))
		}
	})
	t.Run("covered values", func(t *testing.T) {
		cov := coverage{}
		g := fixtures.New()
		for i, req := range coverPlan(specs.Oracle) {
			_, err := generateFixture(g, specs.Oracle, i, req, cov)
			require.NoError(t, err)
		}
		assert.Empty(t, cov.missing(specs.Oracle), "the plan alone covers every documented value")
	})
}

func TestFixturesUsageErrors(t *testing.T) {
	const hint = "Run 'taskmock fixtures --help' for usage."
	tests := []struct {
		args []string
		want []string // the lines of stderr
	}{
		{[]string{"--count", "3"}, []string{"taskmock fixtures: missing --api: esri or oracle", hint}},
		{[]string{"--api", "esri"}, []string{"taskmock fixtures: missing --count: the number of tasks", hint}},
		{[]string{"--api", "esri", "--count", "1", "extra"}, []string{`taskmock fixtures: unexpected argument "extra"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--frob"}, []string{"taskmock fixtures: unknown flag --frob", hint}},
		{[]string{"--api", "jira", "--count", "1"}, []string{`taskmock fixtures: --api must be esri or oracle, got "jira"`, hint}},
		{[]string{"--api", "esri", "--count", "0"}, []string{`taskmock fixtures: --count must be a positive integer, got "0"`, hint}},
		{[]string{"--api", "esri", "--count", "-4"}, []string{`taskmock fixtures: --count must be a positive integer, got "-4"`, hint}},
		{[]string{"--api", "esri", "--count", "ten"}, []string{`taskmock fixtures: --count must be a positive integer, got "ten"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--seed", "x"}, []string{`taskmock fixtures: --seed must be an integer from 0 to 18446744073709551615, got "x"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--format", "xml"}, []string{`taskmock fixtures: --format must be ndjson or json, got "xml"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--now", "yesterday"}, []string{`taskmock fixtures: --now must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got "yesterday"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--now", "9999-12-31T23:59:59Z"}, []string{`taskmock fixtures: --now must be from 0002-01-01T00:00:00Z to 9998-12-31T23:59:59Z (the tasks' dates lie up to a year around it, within the years 0001 to 9999), got "9999-12-31T23:59:59Z"`, hint}},
		{[]string{"--api", "oracle", "--count", "1", "--now", "0001-01-01T00:00:00Z"}, []string{`taskmock fixtures: --now must be from 0002-01-01T00:00:00Z to 9998-12-31T23:59:59Z (the tasks' dates lie up to a year around it, within the years 0001 to 9999), got "0001-01-01T00:00:00Z"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--lang", "pt-BR"}, []string{`taskmock fixtures: --lang must name en, de, fr or es (a BCP 47 list such as de-DE,de;q=0.9,en;q=0.8), got "pt-BR"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--state", "COMPLETED"}, []string{"taskmock fixtures: --state applies to --api oracle only; esri tasks take --status", hint}},
		{[]string{"--api", "oracle", "--count", "1", "--status", "new"}, []string{"taskmock fixtures: --status applies to --api esri only; oracle tasks take --state", hint}},
		{[]string{"--api", "oracle", "--count", "1", "--state", "COMPLETED", "--status", "new"}, []string{"taskmock fixtures: --state and --status cannot be used together (--state is for oracle, --status for esri)", hint}},
		{[]string{"--api", "oracle", "--count", "1", "--state", "DONE"}, []string{`taskmock fixtures: --state must be ASSIGNED, UNASSIGNED, DELEGATED, COMPLETED, WITHDRAWN or FAULTED, got "DONE"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--status", "paused"}, []string{`taskmock fixtures: --status must be new, ready, inProgress, completed, failed or canceled, got "paused"`, hint}},
		{[]string{"--api", "esri", "--count", "1", "--base-url", "http://x"}, []string{"taskmock fixtures: --base-url applies to --api oracle only", hint}},
		{[]string{"--api", "oracle", "--count", "1", "--base-url", ""}, []string{`taskmock fixtures: --base-url must be a URL such as https://opa.example.com, got ""`, hint}},
		{[]string{"--api", "oracle", "--count", "30", "--cover", "--state", "ASSIGNED"}, []string{"taskmock fixtures: --cover cannot be combined with --state: it covers every state", hint}},
		{[]string{"--api", "esri", "--count", "30", "--cover", "--status", "new"}, []string{"taskmock fixtures: --cover cannot be combined with --status: it covers every status", hint}},
		{[]string{"--api", "esri", "--count", "1", "--out", ""}, []string{`taskmock fixtures: --out must name a directory, got ""`, hint}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runFixturesArgs(t, tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, tt.want, lines(r.stderr))
			var ee *ExitError
			assert.ErrorAs(t, r.err, &ee)
		})
	}
}

func TestFixturesUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	r := runFixturesArgs(t, "--api", "esri", "--count", "1", "--out", filepath.Join(file, "sub"))
	assert.Equal(t, 2, r.code)
	assert.Len(t, lines(r.stderr), 1)
	assert.True(t, strings.HasPrefix(r.stderr, "taskmock fixtures: cannot write to "), r.stderr)
}

func TestFixturesInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runFixturesCtx(t, ctx, "--api", "oracle", "--count", "3")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, []string{"taskmock fixtures: interrupted"}, lines(r.stderr))
}

func TestFixturesHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"--api", "esri", "--help"}} {
		r := runFixturesArgs(t, args...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Empty(t, r.stderr)
		for _, want := range []string{
			"taskmock fixtures --api esri|oracle --count N", "--seed N", "--out DIR", "--format FORMAT",
			"--cover", "--lang TAG", "--state S", "--status S", "--now RFC3339", "--base-url URL",
			"Examples:", "Exit codes:", "2  usage error",
		} {
			assert.Contains(t, r.stdout, want)
		}
	}
}

// TestFixturesUsageLines keeps the help within 80 columns.
func TestFixturesUsageLines(t *testing.T) {
	sc := bufio.NewScanner(strings.NewReader(fixturesUsage()))
	var long []string
	for sc.Scan() {
		if n := len([]rune(sc.Text())); n > 80 {
			long = append(long, sc.Text())
		}
	}
	sort.Strings(long)
	assert.Empty(t, long)
}
