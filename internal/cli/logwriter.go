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
//
// The destination is written without holding the buffer, so that requests
// keep logging while a slow terminal or pipe takes the previous lines; a
// request waits for the destination only when the buffer is full again.
type logWriter struct {
	out    sync.Mutex // held while writing to w; taken before mu
	mu     sync.Mutex // guards buf and closed
	w      io.Writer
	buf    []byte // the lines not yet written
	spare  []byte // the buffer last written, reused; guarded by out
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
	l.buf = append(l.buf, p...)
	full := l.closed || len(l.buf) >= logBufferSize
	l.mu.Unlock()
	if full {
		l.Flush()
	}
	return len(p), nil
}

// Flush writes what the buffer holds.
func (l *logWriter) Flush() {
	l.out.Lock()
	defer l.out.Unlock()
	l.mu.Lock()
	b := l.buf
	l.buf = l.spare[:0]
	l.mu.Unlock()
	if len(b) > 0 {
		_, _ = l.w.Write(b)
	}
	if cap(b) > 4*logBufferSize {
		b = nil // a burst made it large: let it go
	}
	l.spare = b
}

// Close stops the timer and writes what is left. Writes after Close go
// straight through.
func (l *logWriter) Close() error {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.Flush()
	return nil
}
