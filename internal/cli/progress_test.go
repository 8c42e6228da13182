package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeProgress is a progress on a buffer whose clock the test moves.
func fakeProgress() (*progress, *bytes.Buffer, *time.Time) {
	var b bytes.Buffer
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &progress{w: &b, cmd: "taskmock validate", now: func() time.Time { return now }}
	return p, &b, &now
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name        string
		source      string
		read, total int64
		checked     int
		failed      int
		want        string
	}{
		{"known size, as wide as it gets", "traffic.har", 92_500_000, 201_000_000, 12345, 12,
			"taskmock validate: traffic.har 46% (92 of 201 MB), 12,345 responses, 12 failed"},
		{"stdin", "-", 1_234_567, -1, 1, 0,
			"taskmock validate: - (1 MB), 1 response, 0 failed"},
		{"small file", "a.json", 0, 418, 0, 0,
			"taskmock validate: a.json 0% (0 of 418 B), 0 responses, 0 failed"},
		{"empty file", "a.json", 0, 0, 0, 0,
			"taskmock validate: a.json 100%, 0 responses, 0 failed"},
		{"large", "x.har", 1_500_000_000, 3_000_000_000, 1_234_567, 1_000,
			"taskmock validate: x.har 50% (1.5 of 3.0 GB), 1,234,567 responses, 1,000 failed"},
		{"long path is shortened from the left", "/very/long/directory/name/that/goes/on/and/on/recorded/traffic-2026-01-02.har",
			640, 128_000, 3, 1,
			"taskmock validate: …-2026-01-02.har 0% (640 B of 128 kB), 3 responses, 1 failed"},
		{"control characters in the name", "a\x1b[2Jb.json", 5, 10, 0, 0,
			"taskmock validate: a [2Jb.json 50% (5 of 10 B), 0 responses, 0 failed"},
		{"nothing read yet", "", 0, 0, 2, 2, "taskmock validate: 2 responses, 2 failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, _ := fakeProgress()
			p.source, p.read, p.total, p.checked, p.failed = tt.source, tt.read, tt.total, tt.checked, tt.failed
			got := p.line()
			assert.Equal(t, tt.want, got)
			if !strings.Contains(tt.name, "large") {
				assert.LessOrEqual(t, utf8.RuneCountInString(got), progressWidth)
			}
		})
	}
}

// TestProgressDrawing: the line is drawn at the first event, then at most
// once per progressEvery; clear erases it only when shown; a nil progress
// does nothing.
func TestProgressDrawing(t *testing.T) {
	p, b, now := fakeProgress()
	p.onRead("a.har", 0, 1000)
	assert.Equal(t, "\rtaskmock validate: a.har 0% (0 B of 1 kB), 0 responses, 0 failed\x1b[K", b.String())
	b.Reset()
	p.onResult(true)
	p.onResult(false)
	p.onRead("a.har", 500, 1000)
	*now = now.Add(progressEvery / 2)
	p.onResult(true)
	assert.Empty(t, b.String(), "not drawn again within %s", progressEvery)
	*now = now.Add(progressEvery / 2)
	p.onResult(true)
	assert.Equal(t, "\rtaskmock validate: a.har 50% (500 B of 1 kB), 4 responses, 1 failed\x1b[K", b.String())
	b.Reset()
	p.clear()
	assert.Equal(t, "\r\x1b[K", b.String())
	b.Reset()
	p.clear()
	assert.Empty(t, b.String(), "erased once")

	var w bytes.Buffer
	cw := clearingWriter{&w, p}
	*now = now.Add(progressEvery)
	p.onResult(true)
	cw.Write([]byte("an error\n"))
	assert.True(t, strings.HasSuffix(w.String(), "an error\n"))
	assert.True(t, strings.HasSuffix(b.String(), "\x1b[K\r\x1b[K"), "erased before the other line: %q", b.String())

	var none *progress
	none.onRead("a", 1, 2)
	none.onResult(false)
	none.clear()
}

func TestNewProgress(t *testing.T) {
	var b bytes.Buffer
	assert.Nil(t, newProgress(progressAuto, "x", &b), "auto: a buffer is no terminal")
	assert.Nil(t, newProgress(progressNever, "x", &b))
	assert.NotNil(t, newProgress(progressAlways, "x", &b))
}

func TestIsTerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a character device that is not a terminal")
	assert.False(t, isTerminal(&bytes.Buffer{}))
	assert.True(t, isTerminal(openTerminal(t)))
}

// TestProgressLineWidth: the line never takes more columns than it is
// given; the command's name goes first, then the start of the source.
func TestProgressLineWidth(t *testing.T) {
	p, _, _ := fakeProgress()
	p.source, p.read, p.total, p.checked, p.failed = "traffic.har", 92_500_000, 201_000_000, 12345, 12
	want := map[int]string{
		120: "taskmock validate: traffic.har 46% (92 of 201 MB), 12,345 responses, 12 failed",
		60:  "traffic.har 46% (92 of 201 MB), 12,345 responses, 12 failed",
		55:  "…ic.har 46% (92 of 201 MB), 12,345 responses, 12 failed",
		50:  "…r 46% (92 of 201 MB), 12,345 responses, 12 failed",
		48:  "46% (92 of 201 MB), 12,345 responses, 12 failed",
		40:  "46% (92 of 201 MB), 12,345 responses, 1…",
	}
	for width := progressMinWidth; width <= 200; width++ {
		p.width = width
		got := p.line()
		assert.LessOrEqual(t, utf8.RuneCountInString(got), width, "width %d: %q", width, got)
		if w, ok := want[width]; ok {
			assert.Equal(t, w, got, "width %d", width)
		}
	}
	p.source = ""
	p.width = 30
	assert.Equal(t, "12,345 responses, 12 failed", p.line())
}

// TestProgressFollowsTerminalWidth: on a terminal, the line is one column
// narrower than the terminal, read again at every drawing.
func TestProgressFollowsTerminalWidth(t *testing.T) {
	tty := openTerminal(t)
	setTerminalWidth(t, tty, 50)
	p := newProgress(progressAlways, "taskmock validate", tty)
	require.NotNil(t, p)
	p.onResult(true)
	assert.Equal(t, 49, p.width)
	setTerminalWidth(t, tty, 132)
	p.next = time.Time{}
	p.onResult(false)
	assert.Equal(t, 131, p.width)

	var b bytes.Buffer
	q := newProgress(progressAlways, "taskmock validate", &b)
	q.onResult(true)
	assert.Zero(t, q.width, "not a terminal: the default width")
	assert.Equal(t, "taskmock validate: 1 response, 0 failed", q.line())
}
