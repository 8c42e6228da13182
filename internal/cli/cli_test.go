package cli_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/internal/cli"
	"github.com/taskmock/taskmock/specs"
)

// result is what one run of the command gave.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

// run runs taskmock with args and stdin, as a process would.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), stdin, args...)
}

func runCtx(t *testing.T, ctx context.Context, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := cli.Run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cli.ExitCode(err), err: err}
}

// stderrLines splits stderr into its lines.
func (r result) stderrLines() []string {
	return strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"help", flag.ErrHelp, 0},
		{"exit error", &cli.ExitError{Code: 1}, 1},
		{"wrapped exit error", errors.Join(errors.New("x"), &cli.ExitError{Code: 2, Err: errors.New("y")}), 2},
		{"other", errors.New("boom"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cli.ExitCode(tt.err))
		})
	}
}

func TestVersion(t *testing.T) {
	r := run(t, "", "version")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assert.Regexp(t, regexp.MustCompile(`^taskmock \S+ \(go\S+, \w+/\w+\)\n$`), r.stdout)
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string // what the usage must mention
	}{
		{nil, []string{"validate", "specs", "version", "help", "Exit codes", "1  contract violations found", "esri", "oracle"}},
		{[]string{"--help"}, []string{"Usage:", "validate", "Exit codes"}},
		{[]string{"-h"}, []string{"Usage:", "validate"}},
		{[]string{"help"}, []string{"Usage:", "validate"}},
		{[]string{"help", "help"}, []string{"taskmock help [COMMAND]"}},
		{[]string{"help", "validate"}, []string{"--api", "--format", "--strict", "--color"}},
		{[]string{"validate", "--help"}, []string{
			"taskmock validate [flags] PATH...", "--api NAME", "esri or oracle", "--format FORMAT",
			"text, json, junit, github, markdown, sarif or html (default text)", "--strict", "(default false)", "--color WHEN",
			"(default auto)", "NO_COLOR", "Examples:", "Exit codes:",
		}},
		{[]string{"validate", "-h"}, []string{"--api"}},
		{[]string{"validate", "some.json", "--help"}, []string{"--api"}},
		{[]string{"specs", "--help"}, []string{"specs list", "specs show NAME", "specs export DIR", "Examples:", "Exit codes:"}},
		{[]string{"specs", "export", "-h"}, []string{"specs export DIR"}},
		{[]string{"help", "specs"}, []string{"specs list"}},
		{[]string{"version", "--help"}, []string{"taskmock version", "devel", "Exit codes:"}},
		{[]string{"help", "version"}, []string{"taskmock version"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, "", tt.args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.NoError(t, r.err)
			assert.Empty(t, r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	const (
		topHint      = "Run 'taskmock --help' for usage."
		validateHint = "Run 'taskmock validate --help' for usage."
		specsHint    = "Run 'taskmock specs --help' for usage."
	)
	tests := []struct {
		args []string
		want []string // the lines of stderr
	}{
		{[]string{"frob"}, []string{`taskmock: unknown command "frob"`, topHint}},
		{[]string{"--frob"}, []string{`taskmock: unknown flag --frob`, topHint}},
		{[]string{"help", "frob"}, []string{`taskmock help: unknown command "frob"`, "Run 'taskmock help --help' for usage."}},
		{[]string{"version", "now"}, []string{`taskmock version: unexpected argument "now"`, "Run 'taskmock version --help' for usage."}},
		{[]string{"version", "--short"}, []string{`taskmock version: unknown flag --short`, "Run 'taskmock version --help' for usage."}},

		{[]string{"validate"}, []string{"taskmock validate: no input: give one or more PATHs, or - for standard input", validateHint}},
		{[]string{"validate", "--strict"}, []string{"taskmock validate: no input: give one or more PATHs, or - for standard input", validateHint}},
		{[]string{"validate", "--frob", "x.json"}, []string{"taskmock validate: unknown flag --frob", validateHint}},
		{[]string{"validate", "x.json", "--frob"}, []string{"taskmock validate: unknown flag --frob", validateHint}},
		{[]string{"validate", "x.json", "--api"}, []string{"taskmock validate: --api needs a value", validateHint}},
		{[]string{"validate", "--api", "x", "x.json"}, []string{`taskmock validate: --api must be esri or oracle, got "x"`, validateHint}},
		{[]string{"validate", "--format", "xml", "x.json"}, []string{`taskmock validate: --format must be text, json, junit, github, markdown, sarif or html, got "xml"`, validateHint}},
		{[]string{"validate", "--color", "sometimes", "x.json"}, []string{`taskmock validate: --color must be auto, always or never, got "sometimes"`, validateHint}},
		{[]string{"validate", "-", "-"}, []string{`taskmock validate: "-" (standard input) can be given once only`, validateHint}},

		{[]string{"specs"}, []string{"taskmock specs: missing subcommand: list, show or export", specsHint}},
		{[]string{"specs", "frob"}, []string{`taskmock specs: unknown subcommand "frob" (known: list, show, export)`, specsHint}},
		{[]string{"specs", "list", "esri"}, []string{`taskmock specs: list takes no argument, got "esri"`, specsHint}},
		{[]string{"specs", "show"}, []string{"taskmock specs: show needs NAME", specsHint}},
		{[]string{"specs", "show", "esri", "oracle"}, []string{"taskmock specs: show takes one NAME, got 2 arguments", specsHint}},
		{[]string{"specs", "export"}, []string{"taskmock specs: export needs DIR", specsHint}},
		{[]string{"specs", "show", "x"}, []string{`taskmock specs: unknown API "x" (known: esri, oracle)`}},
		{[]string{"specs", "list", "--long"}, []string{"taskmock specs: unknown flag --long", specsHint}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, "", tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, tt.want, r.stderrLines())
			var ee *cli.ExitError
			assert.ErrorAs(t, r.err, &ee)
		})
	}
}

func TestSpecsList(t *testing.T) {
	r := run(t, "", "specs", "list")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	assert.Regexp(t, `^NAME +FILE +OPERATION +METHODS +PATH +SUMMARY$`, lines[0])
	i := 1
	for _, api := range specs.All() {
		for _, op := range api.Operations {
			require.Less(t, i, len(lines))
			assert.Equal(t, []string{string(api.Name), api.Filename, op.ID, strings.Join(op.Methods, ","), op.Path},
				strings.Fields(lines[i])[:5])
			assert.True(t, strings.HasSuffix(lines[i], op.Summary), lines[i])
			i++
		}
	}
	assert.Len(t, lines, i)
}

func TestSpecsShow(t *testing.T) {
	for _, api := range specs.All() {
		for _, name := range []string{string(api.Name), strings.ToUpper(string(api.Name))} {
			t.Run(name, func(t *testing.T) {
				r := run(t, "", "specs", "show", name)
				require.Equal(t, 0, r.code, r.stderr)
				assert.Empty(t, r.stderr)
				assert.Equal(t, string(api.Document()), r.stdout)
			})
		}
	}
}

func TestSpecsExport(t *testing.T) {
	tests := []struct {
		name  string
		dir   func(t *testing.T) string
		setup func(t *testing.T, dir string)
	}{
		{"existing dir", func(t *testing.T) string { return t.TempDir() }, nil},
		{"missing dirs are created", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a", "b") }, nil},
		{"files are overwritten", func(t *testing.T) string { return t.TempDir() }, func(t *testing.T, dir string) {
			for _, api := range specs.All() {
				require.NoError(t, os.WriteFile(filepath.Join(dir, api.Filename), []byte("old, longer than nothing"), 0o600))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			r := run(t, "", "specs", "export", dir)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			var want string
			for _, api := range specs.All() {
				path := filepath.Join(dir, api.Filename)
				want += path + "\n"
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, api.Document(), got)
				fi, err := os.Stat(path)
				require.NoError(t, err)
				assert.Equal(t, fs.FileMode(0o644), fi.Mode().Perm())
			}
			assert.Equal(t, want, r.stdout)
		})
	}
}

func TestSpecsExportUnwritable(t *testing.T) {
	// A path under a regular file cannot be created, whoever runs the test.
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	dir := filepath.Join(file, "out")

	r := run(t, "", "specs", "export", dir)
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	lines := r.stderrLines()
	require.Len(t, lines, 1, r.stderr)
	assert.True(t, strings.HasPrefix(lines[0], "taskmock specs: cannot export to "+dir+": "), lines[0])
	assert.Contains(t, lines[0], "not a directory")
}

func TestRunNeverPanicsOnNilStdin(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := cli.Run(context.Background(), []string{"validate", "--api", "esri", "-"}, nil, &stdout, &stderr)
	assert.Equal(t, 2, cli.ExitCode(err))
	assert.Contains(t, stderr.String(), "taskmock validate: -: ")
}

// TestFlagErrors runs every command with every kind of bad flag: the
// message names the flag as --name, says what was expected in taskmock's
// words (never the flag package's "flag provided but not defined" or
// "parse error"), and the second line says where the usage is.
func TestFlagErrors(t *testing.T) {
	long := strings.Repeat("9", 100)
	tests := []struct {
		args []string
		want string // the first line of stderr
	}{
		// Unknown flags, in each spelling, for each command.
		{[]string{"serve", "--nope"}, "taskmock serve: unknown flag --nope"},
		{[]string{"serve", "-nope"}, "taskmock serve: unknown flag --nope"},
		{[]string{"serve", "--nope=1"}, "taskmock serve: unknown flag --nope"},
		{[]string{"validate", "--nope", "x.json"}, "taskmock validate: unknown flag --nope"},
		{[]string{"validate", "x.json", "-nope=1"}, "taskmock validate: unknown flag --nope"},
		{[]string{"check", "--nope"}, "taskmock check: unknown flag --nope"},
		{[]string{"proxy", "-nope"}, "taskmock proxy: unknown flag --nope"},
		{[]string{"fixtures", "--nope=1"}, "taskmock fixtures: unknown flag --nope"},
		{[]string{"specs", "list", "--nope"}, "taskmock specs: unknown flag --nope"},
		{[]string{"specs", "show", "esri", "-nope"}, "taskmock specs: unknown flag --nope"},
		{[]string{"specs", "export", "--nope=1", "dir"}, "taskmock specs: unknown flag --nope"},
		{[]string{"version", "--nope"}, "taskmock version: unknown flag --nope"},
		{[]string{"help", "--nope"}, "taskmock help: unknown flag --nope"},
		{[]string{"-nope"}, "taskmock: unknown flag --nope"},
		{[]string{"--nope=1"}, "taskmock: unknown flag --nope"},
		{[]string{"--version"}, "taskmock: unknown flag --version (did you mean 'taskmock version'?)"},
		// A near miss names the flag meant.
		{[]string{"validate", "--stirct", "x.json"}, "taskmock validate: unknown flag --stirct (did you mean --strict?)"},
		{[]string{"fixtures", "--API", "esri"}, "taskmock fixtures: unknown flag --API (did you mean --api?)"},
		{[]string{"check", "--max-bodi", "1"}, "taskmock check: unknown flag --max-bodi (did you mean --max-body?)"},
		// A flag name that is no name is quoted and clipped.
		{[]string{"serve", "--a\x1bb"}, `taskmock serve: unknown flag "--a\x1bb"`},
		{[]string{"serve", "--" + long}, "taskmock serve: unknown flag --" + long[:40] + "…"},
		{[]string{"serve", "---x"}, `taskmock serve: bad flag "---x": write flags as --name or --name=value`},
		{[]string{"serve", "--=x"}, `taskmock serve: bad flag "--=x": write flags as --name or --name=value`},
		{[]string{"--"}, `taskmock: bad flag "--": write flags as --name or --name=value`},

		// A missing value, at the end or taken by the next flag.
		{[]string{"serve", "--addr"}, "taskmock serve: --addr needs a value"},
		{[]string{"serve", "--latency"}, "taskmock serve: --latency needs a value"},
		{[]string{"serve", "--cors-origin"}, "taskmock serve: --cors-origin needs a value"},
		{[]string{"validate", "x.json", "--format"}, "taskmock validate: --format needs a value"},
		{[]string{"check", "--timeout"}, "taskmock check: --timeout needs a value"},
		{[]string{"check", "--ca-file", "--insecure"}, "taskmock check: --ca-file needs a value, got the flag --insecure"},
		{[]string{"proxy", "--target"}, "taskmock proxy: --target needs a value"},
		{[]string{"proxy", "--record", "-anonymize"}, "taskmock proxy: --record needs a value, got the flag --anonymize"},
		{[]string{"fixtures", "--count"}, "taskmock fixtures: --count needs a value"},
		{[]string{"fixtures", "-count"}, "taskmock fixtures: --count needs a value"},
		{[]string{"fixtures", "--out", "--format=json"}, "taskmock fixtures: --out needs a value, got the flag --format"},
		{[]string{"fixtures", "--lang", "-h"}, "taskmock fixtures: --lang needs a value, got the flag -h"},

		// A value of the wrong kind, clipped.
		{[]string{"serve", "--seed", "-1"}, `taskmock serve: --seed: "-1" is not a whole number of 0 or more`},
		{[]string{"serve", "--seed=x"}, `taskmock serve: --seed: "x" is not a whole number of 0 or more`},
		{[]string{"serve", "--seed", long}, `taskmock serve: --seed: "` + long[:40] + `…" is out of range (at most 18446744073709551615)`},
		{[]string{"serve", "--admin-max-tasks", "1e3"}, `taskmock serve: --admin-max-tasks: "1e3" is not a whole number`},
		{[]string{"serve", "--admin-max-tasks", "99999999999999999999"}, `taskmock serve: --admin-max-tasks: "99999999999999999999" is out of range`},
		{[]string{"serve", "--error-rate", "lots"}, `taskmock serve: --error-rate: "lots" is not a number`},
		{[]string{"check", "--max-body", "12QB"}, `taskmock check: --max-body: "12QB" is not a whole number`},
		{[]string{"check", "--retries", "x"}, `taskmock check: --retries: "x" is not a whole number`},
		{[]string{"check", "--timeout", "5"}, `taskmock check: --timeout: "5" is not a duration such as 500ms, 30s or 2m`},
		{[]string{"check", "--backoff", "soon"}, `taskmock check: --backoff: "soon" is not a duration such as 500ms, 30s or 2m`},
		{[]string{"proxy", "--max-body", "12QB"}, `taskmock proxy: --max-body: "12QB" is not a whole number`},
		{[]string{"proxy", "--max-body", "a\nb"}, `taskmock proxy: --max-body: "a\nb" is not a whole number`},
		// A flag with its own parser says what it expects, without the
		// value: a --header may hold a credential.
		{[]string{"check", "--header", "Authorization Bearer s3cr3t-t0ken"}, `taskmock check: --header: expected 'Name: value'`},
		{[]string{"check", "--id", " "}, `taskmock check: --id: empty id`},

		// A switch given a value that is no truth value.
		{[]string{"validate", "--strict=maybe", "x.json"}, `taskmock validate: --strict takes true or false, not "maybe"`},
		{[]string{"validate", "--strict=", "x.json"}, `taskmock validate: --strict takes true or false, not ""`},
		{[]string{"serve", "--admin=on"}, `taskmock serve: --admin takes true or false, not "on"`},
		{[]string{"check", "--insecure=yes"}, `taskmock check: --insecure takes true or false, not "yes"`},
		{[]string{"proxy", "--anonymize=2"}, `taskmock proxy: --anonymize takes true or false, not "2"`},
		{[]string{"fixtures", "--cover=y"}, `taskmock fixtures: --cover takes true or false, not "y"`},

		// Arguments a command does not take.
		{[]string{"serve", "8080"}, `taskmock serve: unexpected argument "8080"`},
		{[]string{"check", "extra"}, `taskmock check: unexpected argument "extra"`},
		{[]string{"proxy", "extra"}, `taskmock proxy: unexpected argument "extra"`},
		{[]string{"fixtures", "extra"}, `taskmock fixtures: unexpected argument "extra"`},
		{[]string{"version", "extra"}, `taskmock version: unexpected argument "extra"`},
		{[]string{"specs", "list", "extra"}, `taskmock specs: list takes no argument, got "extra"`},
		{[]string{"help", "serve", "check"}, `taskmock help: give at most one command name`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, "", tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Empty(t, r.stdout)
			cmd := "taskmock"
			if !strings.HasPrefix(tt.args[0], "-") {
				cmd += " " + tt.args[0]
			}
			assert.Equal(t, []string{tt.want, "Run '" + cmd + " --help' for usage."}, r.stderrLines())
			assert.NotContains(t, r.stderr, "s3cr3t")
		})
	}
}

// helpOf is what "taskmock help CMD" prints.
func helpOf(t *testing.T, cmd string) string {
	t.Helper()
	r := run(t, "", "help", cmd)
	require.Equal(t, 0, r.code, r.stderr)
	return r.stdout
}

// TestFlagHelp asks every command for its help with -h, -help and --help:
// the usage goes to stdout, nothing to stderr, and the exit code is 0, even
// after other flags.
func TestFlagHelp(t *testing.T) {
	for _, cmd := range []string{"serve", "validate", "check", "proxy", "fixtures", "specs", "version", "help"} {
		for _, h := range []string{"-h", "-help", "--help"} {
			for _, args := range [][]string{{cmd, h}, {cmd, "--strict", h}} {
				if args[1] == "--strict" && cmd != "validate" && cmd != "check" && cmd != "proxy" {
					continue
				}
				t.Run(strings.Join(args, " "), func(t *testing.T) {
					r := run(t, "", args...)
					require.Equal(t, 0, r.code, r.stderr)
					assert.Empty(t, r.stderr)
					assert.Equal(t, helpOf(t, cmd), r.stdout)
				})
			}
		}
	}
}

func (r result) stdoutLines() []string {
	return strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
}
