//go:build unix

package mockserver_test

import (
	"syscall"
	"testing"
)

// mkfifo makes a named pipe at path, or skips the test where there are none.
func mkfifo(t testing.TB, path string) error {
	t.Helper()
	return syscall.Mkfifo(path, 0o600)
}
