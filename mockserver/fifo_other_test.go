//go:build !unix

package mockserver_test

import "testing"

// mkfifo makes a named pipe at path, or skips the test where there are none.
func mkfifo(t testing.TB, path string) error {
	t.Helper()
	t.Skip("no named pipes on this system")
	return nil
}
