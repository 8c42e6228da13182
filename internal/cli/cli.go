package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/taskmock/taskmock/specs"

	"github.com/taskmock/taskmock/internal/textutil"
)

// The exit codes of taskmock.
const (
	ExitOK         = 0 // success
	ExitViolations = 1 // contract violations found
	ExitUsage      = 2 // usage error or unreadable input
)

// ExitError is an error that carries the exit code of the process. Run
// returns one for every failure, after printing what went wrong.
type ExitError struct {
	Code int
	// Err is what went wrong; nil when there is nothing to say beyond the
	// code (the report already said it).
	Err error
}

// Error returns the message of Err, or "exit status N" when Err is nil.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode maps an error returned by Run to the exit code of the process:
// 0 for nil and flag.ErrHelp, the code of an *ExitError, 2 for anything
// else.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if ee, ok := errors.AsType[*ExitError](err); ok {
		return ee.Code
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitUsage
}

// Run runs the taskmock command line args (without the program name),
// reading "-" inputs from stdin and writing to stdout and stderr. It prints
// every error itself, as one line on stderr, and returns it as an
// *ExitError for ExitCode; nil means success. Run never panics.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if e.stdin == nil {
		e.stdin = strings.NewReader("")
	}
	defer func() {
		if p := recover(); p != nil {
			err = e.fail("taskmock", ExitUsage, fmt.Errorf("internal error: %v", p))
		}
	}()
	err = e.main(args)
	if err != nil {
		if _, ok := errors.AsType[*ExitError](err); !ok {
			// Every path prints its own error; this is the safety net.
			err = e.fail("taskmock", ExitCode(err), err)
		}
	}
	return err
}

// env is what one Run works with.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand of taskmock.
type command struct {
	name    string
	summary string
	usage   func() string
	run     func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the mock server of both APIs (127.0.0.1:4010)", serveUsage, func(e *env, args []string) error { return e.serve(args) }},
		{"validate", "check recorded responses against the contracts", validateUsage, runValidate},
		{"check", "request tasks from a real server and check the answers", checkUsage, runCheck},
		{"proxy", "forward to a real server, validating and recording its answers", proxyUsage, runProxy},
		{"fixtures", "write realistic fake tasks, the same bytes for the same flags", fixturesUsage, func(e *env, args []string) error { return e.fixtures(args) }},
		{"specs", "list, show or export the embedded OpenAPI documents", specsUsage, runSpecs},
		{"version", "print the version of taskmock", versionUsage, runVersion},
		{"help", "show the help of taskmock or of a command", helpUsage, runHelp},
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (e *env) main(args []string) error {
	if len(args) == 0 {
		return e.print(topUsage())
	}
	switch args[0] {
	case "-h", "-help", "--help":
		return e.print(topUsage())
	}
	if strings.HasPrefix(args[0], "-") {
		return e.usageFail("taskmock", topFlagError(args[0]))
	}
	c, ok := lookup(args[0])
	if !ok {
		return e.usageFail("taskmock", fmt.Errorf("unknown command %q", args[0]))
	}
	return c.run(e, args[1:])
}

func topUsage() string {
	var b strings.Builder
	b.WriteString(`taskmock mocks two task APIs and checks their responses against the
contracts: the embedded OpenAPI documents and the rules their vendors'
documentation implies. It serves realistic, consistent fake tasks (the same
task for the same id every time), validates recorded or live responses
field by field, and writes fixture files.

Usage:
  taskmock <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nAPIs:\n")
	for _, api := range specs.All() {
		fmt.Fprintf(&b, "  %-10s %s\n", api.Name, api.Title)
	}
	b.WriteString(`
Examples:
  taskmock serve
  taskmock validate recorded/
  taskmock fixtures --api oracle --count 20 --out testdata/tasks
  taskmock specs export ./openapi

` + exitCodesText + `
Run 'taskmock help <command>' or 'taskmock <command> --help' for the details of a command.
`)
	return b.String()
}

const exitCodesText = `Exit codes:
  0  success
  1  contract violations found
  2  usage error or unreadable input
`

// exitCodesNoCheck are the exit codes of the commands that check nothing.
const exitCodesNoCheck = `Exit codes:
  0  success
  2  usage error
`

func helpUsage() string {
	return `Usage:
  taskmock help [COMMAND]

Help prints the usage of taskmock, or of COMMAND: its flags with their
defaults, examples and exit codes. "taskmock COMMAND --help" does the same.

Examples:
  taskmock help
  taskmock help validate

` + exitCodesNoCheck
}

func runHelp(e *env, args []string) error {
	fs := newFlagSet("help")
	pos, help, err := e.parse(fs, "taskmock help", helpUsage, args)
	if err != nil || help {
		return err
	}
	switch len(pos) {
	case 0:
		return e.print(topUsage())
	case 1:
		c, ok := lookup(pos[0])
		if !ok {
			return e.usageFail("taskmock help", fmt.Errorf("unknown command %q", pos[0]))
		}
		return e.print(c.usage())
	}
	return e.usageFail("taskmock help", errors.New("give at most one command name"))
}

// newFlagSet returns a flag set that prints nothing: e.parse reports its
// errors and usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs and returns the positional arguments. Flags
// may come before, between or after them; "--" ends the flags. With -h or
// --help it prints usage to stdout and returns help true. A bad flag is a
// usage error, printed in taskmock's words (see flagError) with the line
// that says where the usage is.
func (e *env) parse(fs *flag.FlagSet, cmd string, usage func() string, args []string) (pos []string, help bool, err error) {
	failed := trapValues(fs)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, true, e.print(usage())
			}
			return nil, false, e.usageFail(cmd, flagError(fs, *failed, err))
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), false, nil
		}
		if len(rest) == 0 {
			return pos, false, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// print writes s to stdout.
func (e *env) print(s string) error {
	if _, err := io.WriteString(e.stdout, s); err != nil {
		return e.fail("taskmock", ExitUsage, fmt.Errorf("writing to standard output: %w", err))
	}
	return nil
}

// fail prints "CMD: ERR" as one line on stderr and returns err with code.
func (e *env) fail(cmd string, code int, err error) error {
	fmt.Fprintf(e.stderr, "%s: %s\n", cmd, textutil.OneLine(err.Error()))
	return &ExitError{Code: code, Err: err}
}

// usageFail is fail for a command line that cannot be run: it adds a line
// that says where the usage is.
func (e *env) usageFail(cmd string, err error) error {
	err = e.fail(cmd, ExitUsage, err)
	fmt.Fprintf(e.stderr, "Run '%s --help' for usage.\n", cmd)
	return err
}

// choices formats a list of allowed values as "a, b or c".
func choices[S ~string](values []S) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
