//go:build unix

package outfile_test

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/internal/outfile"
)

// TestNamedPipeGetsTheContent: a reader of a FIFO gets the file, and the
// FIFO stays one.
func TestNamedPipeGetsTheContent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(p, 0o600))
	got := make(chan string, 1)
	go func() {
		r, err := os.Open(p)
		if err != nil {
			got <- err.Error()
			return
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		got <- string(b)
	}()
	require.NoError(t, outfile.WriteFile(p, pattern, []byte("report")))
	assert.Equal(t, "report", <-got)
	fi, err := os.Lstat(p)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeNamedPipe, fi.Mode().Type())
}

// device is a character device node of (major, minor) that a test may
// write to: the system's at system when not root, since nothing can be
// renamed into /dev then; as root, where a regression renaming over it
// would replace the system's, one of its own in a temporary directory.
func device(t *testing.T, system string, major, minor int) string {
	t.Helper()
	if _, err := os.Stat(system); err != nil {
		t.Skipf("no %s", system)
	}
	if os.Geteuid() != 0 {
		return system
	}
	if runtime.GOOS != "linux" {
		t.Skip("a device of its own is made on Linux only")
	}
	p := filepath.Join(t.TempDir(), filepath.Base(system))
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, major<<8|minor); err != nil {
		t.Skipf("cannot make a device: %v", err)
	}
	return p
}

// TestDeviceStaysADevice: a null device, reached directly or through a
// link, is written to, never replaced by a regular file.
func TestDeviceStaysADevice(t *testing.T) {
	null := device(t, "/dev/null", 1, 3)
	link := filepath.Join(t.TempDir(), "null")
	require.NoError(t, os.Symlink(null, link))
	for _, p := range []string{link, null} {
		require.NoError(t, outfile.WriteFile(p, pattern, []byte("report")), p)
		fi, err := os.Stat(null)
		require.NoError(t, err)
		assert.Equal(t, fs.ModeDevice|fs.ModeCharDevice, fi.Mode().Type(), "%s is still a device", p)
	}
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSymlink, fi.Mode().Type())
}

// TestFullDeviceIsAnError: a write that fails through a device is told.
func TestFullDeviceIsAnError(t *testing.T) {
	full := device(t, "/dev/full", 1, 7)
	err := outfile.WriteFile(full, pattern, []byte("report"))
	assert.ErrorIs(t, err, syscall.ENOSPC)
	fi, err := os.Stat(full)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeDevice|fs.ModeCharDevice, fi.Mode().Type())
}
