//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// makeFIFO makes a named pipe at path, or skips the test where there are
// none.
func makeFIFO(t testing.TB, path string) error {
	t.Helper()
	return syscall.Mkfifo(path, 0o600)
}

// nullDevice is a path to a null device that a test may write to. As
// root, where a file renamed over /dev/null would replace the system's,
// it is a device node of its own in a temporary directory; the test is
// skipped where one cannot be made.
func nullDevice(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return os.DevNull // /dev cannot be written to: nothing renames into it
	}
	if runtime.GOOS != "linux" {
		t.Skip("a null device of its own is made on Linux only")
	}
	p := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("cannot make a null device: %v", err)
	}
	return p
}
