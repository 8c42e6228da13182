package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the release of taskmock, set when building a release:
//
//	go build -ldflags "-X github.com/taskmock/taskmock/internal/cli.version=v1.2.3" ./cmd/taskmock
//
// When empty, the version comes from the build information.
var version string

func versionUsage() string {
	return `Usage:
  taskmock version

Version prints the version of taskmock, the Go release it was built with,
and the platform:

  taskmock v1.2.3 (go1.26.8, linux/amd64)

A release build gives its version; a build from a module or a Git checkout
gives the module version or the commit ("+dirty" when the checkout had
local changes); anything else says "devel".

Example:
  taskmock version

` + exitCodesNoCheck
}

func runVersion(e *env, args []string) error {
	fs := newFlagSet("version")
	pos, help, err := e.parse(fs, "taskmock version", versionUsage, args)
	if err != nil || help {
		return err
	}
	if len(pos) > 0 {
		return e.usageFail("taskmock version", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	info, ok := debug.ReadBuildInfo()
	return e.print(versionLine(version, info, ok) + "\n")
}

// versionLine formats "taskmock VERSION (GO, OS/ARCH)". VERSION is set if
// not empty, else it comes from info (see versionFromBuild).
func versionLine(set string, info *debug.BuildInfo, ok bool) string {
	v := set
	if v == "" {
		v = versionFromBuild(info, ok)
	}
	return fmt.Sprintf("taskmock %s (%s, %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// versionFromBuild returns the main module's version when the binary was
// built as a module (go install ...@v1.2.3), else the short VCS revision
// with "+dirty" for a modified checkout, else "devel".
func versionFromBuild(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}
