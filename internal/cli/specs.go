package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/taskmock/taskmock/specs"
)

func specsUsage() string {
	return `Usage:
  taskmock specs list
  taskmock specs show NAME
  taskmock specs export DIR

Specs gives the OpenAPI documents embedded in taskmock, the ones validate
checks against.

  list         print a table of the operations of the APIs: NAME, FILE,
               OPERATION, METHODS, PATH, SUMMARY (Esri paths follow any
               service root)
  show NAME    print the document of the API NAME (` + choices(specs.Names()) + `),
               byte for byte as embedded
  export DIR   write every document to DIR/FILE (mode 0644), creating DIR
               if it is missing, and print the path of each file written

Specs has no flags besides -h, --help.

Examples:
  taskmock specs list
  taskmock specs show oracle > oracle.yaml
  taskmock specs export ./openapi

Exit codes:
  0  success
  2  usage error, an unknown NAME, or a file that cannot be written
`
}

func runSpecs(e *env, args []string) error {
	const cmd = "taskmock specs"
	fs := newFlagSet("specs")
	pos, help, err := e.parse(fs, cmd, specsUsage, args)
	if err != nil || help {
		return err
	}
	if len(pos) == 0 {
		return e.usageFail(cmd, errors.New("missing subcommand: list, show or export"))
	}
	sub, pos := pos[0], pos[1:]
	want := map[string]string{"list": "", "show": "NAME", "export": "DIR"}
	arg, ok := want[sub]
	if !ok {
		return e.usageFail(cmd, fmt.Errorf("unknown subcommand %q (known: list, show, export)", sub))
	}
	switch {
	case arg == "" && len(pos) > 0:
		return e.usageFail(cmd, fmt.Errorf("%s takes no argument, got %q", sub, pos[0]))
	case arg != "" && len(pos) == 0:
		return e.usageFail(cmd, fmt.Errorf("%s needs %s", sub, arg))
	case arg != "" && len(pos) > 1:
		return e.usageFail(cmd, fmt.Errorf("%s takes one %s, got %d arguments", sub, arg, len(pos)))
	}

	switch sub {
	case "list":
		return e.specsList()
	case "show":
		api, err := specs.Get(pos[0])
		if err != nil {
			return e.fail(cmd, ExitUsage, err)
		}
		if _, err := e.stdout.Write(api.Document()); err != nil {
			return e.fail(cmd, ExitUsage, fmt.Errorf("writing to standard output: %w", err))
		}
		return nil
	default:
		return e.specsExport(pos[0])
	}
}

func (e *env) specsList() error {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFILE\tOPERATION\tMETHODS\tPATH\tSUMMARY")
	for _, api := range specs.All() {
		for _, op := range api.Operations {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", api.Name, api.Filename, op.ID, strings.Join(op.Methods, ","), op.Path, op.Summary)
		}
	}
	if err := tw.Flush(); err != nil {
		return e.fail("taskmock specs", ExitUsage, fmt.Errorf("writing to standard output: %w", err))
	}
	return nil
}

func (e *env) specsExport(dir string) error {
	const cmd = "taskmock specs"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("cannot export to %s: %w", dir, err))
	}
	for _, api := range specs.All() {
		path := filepath.Join(dir, api.Filename)
		if err := writeFile(path, api.Document()); err != nil {
			return e.fail(cmd, ExitUsage, fmt.Errorf("cannot export to %s: %w", dir, err))
		}
		if err := e.print(path + "\n"); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes data to path with mode 0644, whatever the umask or the
// mode of a file already there.
func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}
