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
			"text, json or junit (default text)", "--strict", "(default false)", "--color WHEN",
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
		{[]string{"version", "--short"}, []string{`taskmock version: flag provided but not defined: -short`, "Run 'taskmock version --help' for usage."}},

		{[]string{"validate"}, []string{"taskmock validate: no input: give one or more PATHs, or - for standard input", validateHint}},
		{[]string{"validate", "--strict"}, []string{"taskmock validate: no input: give one or more PATHs, or - for standard input", validateHint}},
		{[]string{"validate", "--frob", "x.json"}, []string{"taskmock validate: flag provided but not defined: -frob", validateHint}},
		{[]string{"validate", "x.json", "--frob"}, []string{"taskmock validate: flag provided but not defined: -frob", validateHint}},
		{[]string{"validate", "x.json", "--api"}, []string{"taskmock validate: flag needs an argument: -api", validateHint}},
		{[]string{"validate", "--api", "x", "x.json"}, []string{`taskmock validate: --api must be esri or oracle, got "x"`}},
		{[]string{"validate", "--format", "xml", "x.json"}, []string{`taskmock validate: --format must be text, json or junit, got "xml"`}},
		{[]string{"validate", "--color", "sometimes", "x.json"}, []string{`taskmock validate: --color must be auto, always or never, got "sometimes"`}},
		{[]string{"validate", "-", "-"}, []string{`taskmock validate: "-" (standard input) can be given once only`, validateHint}},

		{[]string{"specs"}, []string{"taskmock specs: missing subcommand: list, show or export", specsHint}},
		{[]string{"specs", "frob"}, []string{`taskmock specs: unknown subcommand "frob" (known: list, show, export)`, specsHint}},
		{[]string{"specs", "list", "esri"}, []string{`taskmock specs: list takes no argument, got "esri"`, specsHint}},
		{[]string{"specs", "show"}, []string{"taskmock specs: show needs NAME", specsHint}},
		{[]string{"specs", "show", "esri", "oracle"}, []string{"taskmock specs: show takes one NAME, got 2 arguments", specsHint}},
		{[]string{"specs", "export"}, []string{"taskmock specs: export needs DIR", specsHint}},
		{[]string{"specs", "show", "x"}, []string{`taskmock specs: unknown API "x" (known: esri, oracle)`}},
		{[]string{"specs", "list", "--long"}, []string{"taskmock specs: flag provided but not defined: -long", specsHint}},
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
	require.Len(t, lines, 1+len(specs.All()))
	assert.Regexp(t, `^NAME +FILE +OPERATION +TITLE$`, lines[0])
	for i, api := range specs.All() {
		assert.Equal(t, []string{string(api.Name), api.Filename, api.OperationPath},
			strings.Fields(lines[i+1])[:3])
		assert.True(t, strings.HasSuffix(lines[i+1], api.Title), lines[i+1])
	}
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
