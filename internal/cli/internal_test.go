package cli

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionFromBuild(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "devel"},
		{"module version", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, true, "v1.2.3"},
		{"module version wins over vcs", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"},
			Settings: settings("vcs.revision", rev)}, true, "v1.2.3"},
		{"devel without vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "devel"},
		{"vcs revision", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: settings("vcs", "git", "vcs.revision", rev, "vcs.modified", "false")}, true, "0123456789ab"},
		{"modified checkout", &debug.BuildInfo{
			Settings: settings("vcs.revision", rev, "vcs.modified", "true")}, true, "0123456789ab+dirty"},
		{"short revision", &debug.BuildInfo{Settings: settings("vcs.revision", "abc")}, true, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, versionFromBuild(tt.info, tt.ok))
		})
	}
}

func TestVersionLine(t *testing.T) {
	suffix := " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}}
	assert.Equal(t, "taskmock v1.0.0"+suffix, versionLine("v1.0.0", info, true), "the ldflags version wins")
	assert.Equal(t, "taskmock v0.9.0"+suffix, versionLine("", info, true))
	assert.Equal(t, "taskmock devel"+suffix, versionLine("", nil, false))
}

func TestUseColor(t *testing.T) {
	tty := openTerminal(t)
	// /dev/null is a character device, as a terminal is, but not a terminal.
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { devNull.Close() })
	regular, err := os.Create(t.TempDir() + "/out.txt")
	require.NoError(t, err)
	t.Cleanup(func() { regular.Close() })

	tests := []struct {
		name    string
		mode    string
		noColor string
		w       io.Writer
		want    bool
	}{
		{"auto on a terminal", colorAuto, "", tty, true},
		{"auto on /dev/null", colorAuto, "", devNull, false},
		{"auto with NO_COLOR", colorAuto, "1", tty, false},
		{"auto on a regular file", colorAuto, "", regular, false},
		{"auto on a buffer", colorAuto, "", &bytes.Buffer{}, false},
		{"always on a buffer", colorAlways, "", &bytes.Buffer{}, true},
		{"always beats NO_COLOR", colorAlways, "1", regular, true},
		{"never on a terminal", colorNever, "", tty, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			assert.Equal(t, tt.want, useColor(tt.mode, tt.w))
		})
	}
}

func TestChoices(t *testing.T) {
	assert.Equal(t, "", choices([]string{}))
	assert.Equal(t, "a", choices([]string{"a"}))
	assert.Equal(t, "a or b", choices([]string{"a", "b"}))
	assert.Equal(t, "a, b or c", choices([]string{"a", "b", "c"}))
}
