package cli

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogWriterBuffersUntilClose(t *testing.T) {
	var out syncBuffer
	lw := newLogWriter(&out, time.Hour)
	for i := range 3 {
		fmt.Fprintf(lw, "line %d\n", i)
	}
	assert.Empty(t, out.String(), "held until the timer or Close")
	require.NoError(t, lw.Close())
	assert.Equal(t, "line 0\nline 1\nline 2\n", out.String())
	assert.Equal(t, 1, out.writes, "one write for the three lines")

	fmt.Fprintf(lw, "after close\n")
	assert.Equal(t, "line 0\nline 1\nline 2\nafter close\n", out.String(), "written straight through")
}

func TestLogWriterFlushesOnTimer(t *testing.T) {
	var out syncBuffer
	lw := newLogWriter(&out, time.Millisecond)
	defer lw.Close()
	fmt.Fprintf(lw, "soon\n")
	require.Eventually(t, func() bool { return out.String() == "soon\n" }, 10*time.Second, time.Millisecond)
}

func TestLogWriterFlushesWhenFull(t *testing.T) {
	var out syncBuffer
	lw := newLogWriter(&out, time.Hour)
	defer lw.Close()
	line := strings.Repeat("x", 1023) + "\n"
	for range logBufferSize / len(line) {
		_, err := lw.Write([]byte(line))
		require.NoError(t, err)
	}
	assert.Len(t, out.String(), logBufferSize, "a full buffer is written at once")
}

func TestLogWriterKeepsConcurrentLinesWhole(t *testing.T) {
	var out syncBuffer
	lw := newLogWriter(&out, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				fmt.Fprintf(lw, "g%d line %d %s\n", g, i, strings.Repeat("-", 50))
			}
		})
	}
	wg.Wait()
	require.NoError(t, lw.Close())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 8*500)
	next := map[string]int{}
	for _, l := range lines {
		var g string
		var i int
		_, err := fmt.Sscanf(l, "%s line %d", &g, &i)
		require.NoError(t, err, l)
		assert.Equal(t, next[g], i, "lines of one writer in order")
		next[g] = i + 1
	}
}

// blockingWriter is a destination whose Write waits until released.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	syncBuffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.syncBuffer.Write(p)
}

// TestLogWriterLogsWhileWriting: while the destination takes the previous
// lines, a new line is still taken at once, and it is written after them.
func TestLogWriterLogsWhileWriting(t *testing.T) {
	out := &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	lw := newLogWriter(out, time.Hour)
	fmt.Fprintf(lw, "first\n")
	flushed := make(chan struct{})
	go func() {
		lw.Flush()
		close(flushed)
	}()
	<-out.entered // the flush is inside the destination's Write

	logged := make(chan struct{})
	go func() {
		fmt.Fprintf(lw, "second\n")
		close(logged)
	}()
	select {
	case <-logged:
	case <-time.After(10 * time.Second): // a guard against a hang, not a timing
		t.Fatal("a line waited for the destination while the buffer had room")
	}
	close(out.release)
	<-flushed
	go func() { <-out.entered }()
	require.NoError(t, lw.Close())
	assert.Equal(t, "first\nsecond\n", out.String())
}
