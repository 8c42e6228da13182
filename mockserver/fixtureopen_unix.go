//go:build unix

package mockserver

import (
	"os"
	"syscall"
)

// fixtureOpenFlags open a fixture file without blocking: a file replaced
// by a named pipe after the directory was read opens at once (and is then
// skipped as not a regular file) instead of waiting for a writer. On a
// regular file O_NONBLOCK changes nothing.
const fixtureOpenFlags = os.O_RDONLY | syscall.O_NONBLOCK
