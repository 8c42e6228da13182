package contract_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLoadLargeBodyOnce: a large JSON body, from a file or a stream, is
// read into memory about once, not through the copies of a growing buffer
// or of a decoder's window (which cost eight times its size).
func TestLoadLargeBodyOnce(t *testing.T) {
	const size = 24 << 20
	prefix, suffix := `{"id": "7", "description": "`, `"}`
	opts := contract.LoadOptions{API: specs.Oracle}
	var got int
	fn := func(it contract.Item) error { got = len(it.Exchange.Body); return nil }

	stream := allocated(func() {
		_, err := contract.ReadStream("-", generated(prefix, 'x', size, suffix), opts, fn)
		require.NoError(t, err)
	})
	assert.Equal(t, size+len(prefix)+len(suffix), got)
	assert.Less(t, stream, uint64(size)*5/2, "a stream is read into chunks, then one buffer")

	path := filepath.Join(t.TempDir(), "big.json")
	require.NoError(t, os.WriteFile(path, []byte(prefix+strings.Repeat("x", size)+suffix), 0o600))
	file := allocated(func() {
		_, err := contract.Walk(path, opts, fn)
		require.NoError(t, err)
	})
	assert.Equal(t, size+len(prefix)+len(suffix), got)
	assert.Less(t, file, uint64(size)*3/2, "a file of known size is read into one buffer of its size")
}
