package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flagFixture is a flag set with a flag of every kind the commands use.
func flagFixture() *flag.FlagSet {
	fs := newFlagSet("fuzz")
	fs.String("name", "", "")
	fs.Bool("switch", false, "")
	fs.Int("int", 0, "")
	fs.Int64("int64", 0, "")
	fs.Uint64("uint64", 0, "")
	fs.Float64("float", 0, "")
	fs.Duration("duration", time.Second, "")
	fs.Func("func", "", func(s string) error {
		switch s {
		case "":
			return errors.New("cannot be empty")
		case "x":
			return errors.New("--func must be y, got x")
		}
		return nil
	})
	fs.BoolFunc("boolfunc", "", func(s string) error {
		if s != "true" {
			return errors.New("takes no value")
		}
		return nil
	})
	return fs
}

// goWording is what the flag package says and taskmock does not.
var goWording = []string{"flag provided but not defined", "parse error", "flag needs an argument",
	"bad flag syntax", "invalid value", "invalid boolean", "value out of range"}

// FuzzFlagErrors parses any command line against a flag of every kind: a
// bad one gives exactly two lines on stderr, the first in taskmock's words
// and of bounded length, the second the hint; help goes to stdout.
func FuzzFlagErrors(f *testing.F) {
	for _, s := range []string{"--nope", "-nope=1", "--int\x00x", "--uint64\x00-1", "--switch=maybe", "--duration\x005",
		"--name", "--name\x00--int", "---x", "--=x", "--float\x00NaN\x00--int=0x10", "-h", "--boolfunc=1", "--func=",
		"--int\x0099999999999999999999", "a\x00--\x00--nope", "--" + strings.Repeat("é", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var stdout, stderr bytes.Buffer
		e := &env{ctx: context.Background(), stdout: &stdout, stderr: &stderr}
		_, help, err := e.parse(flagFixture(), "taskmock fuzz", func() string { return "usage\n" }, strings.Split(s, "\x00"))
		if help {
			require.NoError(t, err)
			assert.Equal(t, "usage\n", stdout.String())
			assert.Empty(t, stderr.String())
			return
		}
		if err == nil {
			assert.Empty(t, stderr.String())
			return
		}
		assert.Equal(t, ExitUsage, ExitCode(err))
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		require.Len(t, lines, 2, stderr.String())
		assert.True(t, strings.HasPrefix(lines[0], "taskmock fuzz: "), lines[0])
		assert.LessOrEqual(t, utf8.RuneCountInString(lines[0]), 200, lines[0])
		for _, w := range goWording {
			assert.NotContains(t, lines[0], w)
		}
		assert.Equal(t, "Run 'taskmock fuzz --help' for usage.", lines[1])
	})
}

func TestFlagErrorKinds(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--int", "0x"}, `--int: "0x" is not a whole number`},
		{[]string{"--int64=-99999999999999999999"}, `--int64: "-99999999999999999999" is out of range`},
		{[]string{"--float", "1,5"}, `--float: "1,5" is not a number`},
		{[]string{"--duration", "-"}, `--duration: "-" is not a duration such as 500ms, 30s or 2m`},
		{[]string{"--duration", "--"}, `--duration needs a value before "--"`},
		{[]string{"--func="}, `--func: cannot be empty`},
		{[]string{"--func", "x"}, `--func must be y, got x`},
		{[]string{"--boolfunc=1"}, `--boolfunc: takes no value`},
		{[]string{"--switch", "--name=--switch"}, `--name needs a value, got the flag --switch`},
		{[]string{"--name", strings.Repeat("x", 50)}, ``},
		{[]string{"--uint64", "1\u2028"}, `--uint64: "1\u2028" is not a whole number of 0 or more`},
		{[]string{"--int", "é" + strings.Repeat("9", 50)}, `--int: "é` + strings.Repeat("9", 39) + `…" is not a whole number`},
		{[]string{"-" + strings.Repeat("n", 100)}, `unknown flag --` + strings.Repeat("n", 40) + `…`},
		{[]string{"--nam"}, `unknown flag --nam (did you mean --name?)`},
		{[]string{"--in"}, `unknown flag --in (did you mean --int?)`},
		{[]string{"--zzzz"}, `unknown flag --zzzz`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &env{ctx: context.Background(), stdout: &stdout, stderr: &stderr}
			_, _, err := e.parse(flagFixture(), "taskmock fuzz", func() string { return "" }, tt.args)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
