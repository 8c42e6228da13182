package cli

import (
	"io"
	"sync"
	"time"
)

// logFlushEvery is how long a request log line may wait in the buffer of a
// logWriter before it is written.
const logFlushEvery = 100 * time.Millisecond

// logBufferSize is how many bytes of log a logWriter holds before it
// writes them without waiting.
const logBufferSize = 32 << 10

// logWriter buffers the request log of serve and proxy: under load, one
// write system call carries many lines instead of one each. Lines are
// written whole, in order, at most logFlushEvery after they were logged,
// and all of them by Close. It is safe for concurrent use.
type logWriter struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

func newLogWriter(w io.Writer, every time.Duration) *logWriter {
	l := &logWriter{w: w, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.Flush()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

// Write takes p (one log record, as slog's handlers write them) into the
// buffer, and writes the buffer out when it is full. A failed write to
// the destination is not the logger's caller's business: the lines are
// dropped.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if l.closed || len(l.buf) >= logBufferSize {
		l.flushLocked()
	}
	return len(p), nil
}

// Flush writes what the buffer holds.
func (l *logWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
}

func (l *logWriter) flushLocked() {
	if len(l.buf) > 0 {
		_, _ = l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
}

// Close stops the timer and writes what is left. Writes after Close go
// straight through.
func (l *logWriter) Close() error {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.flushLocked()
	return nil
}
