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
