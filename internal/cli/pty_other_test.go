//go:build !linux

package cli

import (
	"os"
	"testing"
)

// openTerminal skips the test: a pseudo-terminal is opened on Linux only.
func openTerminal(t *testing.T) *os.File {
	t.Helper()
	t.Skip("the terminal tests open a pseudo-terminal, on Linux only")
	return nil
}

// setTerminalWidth is not reached: openTerminal skipped the test.
func setTerminalWidth(t *testing.T, _ *os.File, _ int) { t.Helper() }
