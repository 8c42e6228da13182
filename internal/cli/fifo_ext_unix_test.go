//go:build unix

package cli_test

import (
	"syscall"
	"testing"
)

// makeFIFO makes a named pipe at path, or skips the test where there are
// none.
func makeFIFO(t testing.TB, path string) error {
	t.Helper()
	return syscall.Mkfifo(path, 0o600)
}
