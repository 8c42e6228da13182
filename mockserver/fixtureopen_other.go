//go:build !unix

package mockserver

import "os"

// fixtureOpenFlags open a fixture file for reading; there are no named
// pipes to block on in a directory here.
const fixtureOpenFlags = os.O_RDONLY
