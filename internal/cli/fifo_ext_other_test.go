//go:build !unix

package cli_test

import "testing"

// makeFIFO makes a named pipe at path, or skips the test where there are
// none.
func makeFIFO(t testing.TB, path string) error {
	t.Helper()
	t.Skip("no named pipes on this system")
	return nil
}

// nullDevice is a path to a null device that a test may write to, or skips
// the test where there is none.
func nullDevice(t testing.TB) string {
	t.Helper()
	t.Skip("no null device to write through on this system")
	return ""
}
