package cli

import "testing"

// SetMaxBaselineBytes bounds baselines to n bytes for the test.
func SetMaxBaselineBytes(t testing.TB, n int) {
	old := maxBaselineBytes
	maxBaselineBytes = n
	t.Cleanup(func() { maxBaselineBytes = old })
}
