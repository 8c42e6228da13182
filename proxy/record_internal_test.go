package proxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// record1 records the i-th exchange of a test recording, with body as the
// task's response.
func record1(r *Recorder, i int, body []byte, rep contract.Report) {
	out := httptest.NewRequest(http.MethodGet, fmt.Sprintf("http://upstream/process/api/v1/tasks/id-%d", i), nil)
	out.Header.Set("Authorization", "Bearer secret-token")
	res := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}}
	_, _ = r.record(specs.Oracle, out, &exchangeInfo{start: time.Now()}, res, body, rep)
}

// oracleBody is the vendor example of an Oracle task.
func oracleBody(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("..", "contract", "testdata", "seeds", "oracle-get-task-example.json"))
	require.NoError(t, err)
	return b
}

// notFixture is a report that keeps a body from being written as a
// fixture, so that only the HAR is written.
var notFixture = contract.Report{Violations: []contract.Violation{{Severity: contract.SeverityError}}}

// TestRecorderMemoryFlat: recording keeps no exchange in memory.
func TestRecorderMemoryFlat(t *testing.T) {
	body := oracleBody(t)
	r, err := NewRecorder(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const warm, n = 50, 1000
	for i := range warm {
		record1(r, i, body, notFixture)
	}
	before := heap()
	for i := range n {
		record1(r, warm+i, body, notFixture)
	}
	after := heap()
	require.NoError(t, r.Err())
	require.Equal(t, warm+n, r.Len())
	grown := int64(after) - int64(before)
	// Each exchange is about 4 KB; keeping them would grow the heap by 4 MB.
	assert.Less(t, grown, int64(n*64), "the heap grew by %d bytes over %d exchanges", grown, n)
}

// TestRecorderConcurrent: exchanges recorded at the same time are each
// one whole entry of the HAR.
func TestRecorderConcurrent(t *testing.T) {
	body := oracleBody(t)
	dir := t.TempDir()
	r, err := NewRecorder(dir)
	require.NoError(t, err)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				record1(r, w*each+i, body, contract.Report{})
			}
		})
	}
	wg.Wait()
	require.NoError(t, r.Close())
	require.NoError(t, r.Err())
	assert.Equal(t, workers*each, r.Len())
	har, err := os.ReadFile(filepath.Join(dir, HARName))
	require.NoError(t, err)
	assert.ElementsMatch(t, idsUpTo(workers*each), readIDs(t, har))
}
