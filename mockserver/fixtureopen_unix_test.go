//go:build unix

package mockserver

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadFixtureReplacedFile reads fixtures whose directory entry said
// "regular file" but that were replaced before they were opened: a named
// pipe must be skipped at once, never opened for a writer that never comes.
func TestReadFixtureReplacedFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.json"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir.json"), 0o755))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = root.Close() })
	tests := []struct{ name, skip string }{
		{"pipe.json", "not a regular file (a named pipe)"},
		{"dir.json", "not a regular file (a directory)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type result struct {
				skip string
				err  error
			}
			done := make(chan result, 1)
			go func() {
				_, skip, err := readFixture(root, tt.name, 0) // listed as a regular file
				done <- result{skip, err}
			}()
			select {
			case got := <-done:
				require.NoError(t, got.err)
				assert.Equal(t, tt.skip, got.skip)
			case <-time.After(3 * time.Second):
				// Unblock the open so that the test ends.
				if f, err := os.OpenFile(filepath.Join(dir, tt.name), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					_ = f.Close()
				}
				t.Fatal("readFixture blocked opening " + tt.name)
			}
		})
	}
}
