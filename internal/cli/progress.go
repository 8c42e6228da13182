package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/taskmock/taskmock/internal/textutil"
)

// The values of --progress.
const (
	progressAuto   = "auto"
	progressAlways = "always"
	progressNever  = "never"
)

// Escape sequences of the progress line: go to the start of the line, and
// erase from the cursor to the end of the line.
const (
	progressHome  = "\r"
	progressErase = "\x1b[K"
)

// progressWidth is the most columns the progress line takes when the
// terminal's width is not known, so that it does not wrap on an 80-column
// terminal (a wrapped line cannot be rewritten in place). On a terminal
// that tells its width, the line takes one column less than that.
const progressWidth = 79

// progressMinWidth is the narrowest line drawn, whatever the terminal says.
const progressMinWidth = 20

// progressMinSource is the fewest runes of the source kept before the
// command's name is left out of a line too narrow for both.
const progressMinSource = 16

// progressEvery is the shortest time between two drawings of the line.
const progressEvery = 100 * time.Millisecond

// progress shows one status line of a long run on a terminal, rewritten in
// place at most every progressEvery:
//
//	taskmock validate: traffic.har 45% (92 of 201 MB), 12,345 responses, 12 failed
//
// Whoever writes another line to the terminal calls clear first; the line
// is drawn again at the next event. A nil *progress shows nothing. It is
// used from one goroutine.
type progress struct {
	w     io.Writer
	cmd   string
	now   func() time.Time
	next  time.Time // the earliest time of the next drawing
	shown bool      // the line is on the terminal
	// columns returns the terminal's width, or 0 when unknown; it is asked
	// at every drawing, so that a resized window is followed.
	columns func() int
	width   int // the most columns of the line; 0 is progressWidth

	source          string
	read, total     int64
	checked, failed int
}

// newProgress returns the progress of cmd on w, or nil when mode (a value
// of --progress) says not to show it: auto shows it on a terminal only,
// and not on one that says it is dumb (TERM=dumb).
func newProgress(mode string, cmd string, w io.Writer) *progress {
	switch mode {
	case progressNever:
		return nil
	case progressAuto:
		if !isTerminal(w) || os.Getenv("TERM") == "dumb" {
			return nil
		}
	}
	return &progress{w: w, cmd: cmd, now: time.Now, columns: func() int { return terminalWidth(w) }}
}

// onRead is contract.LoadOptions.OnProgress: read of total bytes of
// source have been read.
func (p *progress) onRead(source string, read, total int64) {
	if p == nil {
		return
	}
	p.source, p.read, p.total = source, read, total
	p.tick()
}

// onResult counts a checked response.
func (p *progress) onResult(passed bool) {
	if p == nil {
		return
	}
	p.checked++
	if !passed {
		p.failed++
	}
	p.tick()
}

// tick draws the line if it is due.
func (p *progress) tick() {
	now := p.now()
	if now.Before(p.next) {
		return
	}
	p.next = now.Add(progressEvery)
	if p.columns != nil {
		p.width = 0
		if c := p.columns(); c > 0 {
			p.width = max(c-1, progressMinWidth)
		}
	}
	io.WriteString(p.w, progressHome+p.line()+progressErase)
	p.shown = true
}

// clear erases the line, if it is shown.
func (p *progress) clear() {
	if p == nil || !p.shown {
		return
	}
	io.WriteString(p.w, progressHome+progressErase)
	p.shown = false
}

// line is the text of the progress line, at most p.width columns (or
// progressWidth). When it does not fit, the command's name goes first, then
// the source is shortened from the left or left out, and as a last resort
// the end of the line is cut.
func (p *progress) line() string {
	width := p.width
	if width <= 0 {
		width = progressWidth
	}
	noun := "responses"
	if p.checked == 1 {
		noun = "response"
	}
	counts := fmt.Sprintf("%s %s, %s failed", groupDigits(int64(p.checked)), noun, groupDigits(int64(p.failed)))
	prefix := p.cmd + ": "
	if p.source == "" {
		return clipRight(dropPrefix(prefix, counts, width), width)
	}
	var where string
	switch {
	case p.total > 0:
		read, total := byteSize(p.read), byteSize(p.total)
		if r, unit, ok := strings.Cut(read, " "); ok && strings.HasSuffix(total, " "+unit) {
			read = r // "92 of 201 MB"
		}
		where = fmt.Sprintf(" %d%% (%s of %s), ", min(p.read*100/p.total, 100), read, total)
	case p.total == 0:
		where = " 100%, "
	default:
		where = fmt.Sprintf(" (%s), ", byteSize(p.read))
	}
	source := textutil.OneLine(p.source)
	rest := where + counts
	room := width - utf8.RuneCountInString(prefix+rest)
	if utf8.RuneCountInString(source) > room && room < progressMinSource {
		// Too narrow to keep both the name and the end of the source.
		prefix = ""
		room = width - utf8.RuneCountInString(rest)
	}
	if room < 2 { // not even "…" and a letter: no source
		return clipRight(prefix+strings.TrimPrefix(rest, " "), width)
	}
	return clipRight(prefix+clipLeft(source, room)+rest, width)
}

// dropPrefix returns prefix+s, or s alone when that is wider than width.
func dropPrefix(prefix, s string, width int) string {
	if utf8.RuneCountInString(prefix+s) > width {
		return s
	}
	return prefix + s
}

// clipRight shortens s to at most n runes by replacing its end with "…".
func clipRight(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// clipLeft shortens s to at most n runes by replacing its start with "…".
func clipLeft(s string, n int) string {
	count := utf8.RuneCountInString(s)
	if count <= n {
		return s
	}
	for skip := count - n + 1; skip > 0; skip-- {
		_, size := utf8.DecodeRuneInString(s)
		s = s[size:]
	}
	return "…" + s
}

// byteSize formats n bytes in decimal units: "512 B", "64 kB", "92 MB",
// "1.4 GB".
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d kB", n/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%d MB", n/(1000*1000))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// groupDigits formats n with a comma between groups of three digits:
// "12,345".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// clearingWriter is a writer that erases the progress line before each
// write, so that the line never mixes with other output of the terminal.
type clearingWriter struct {
	w io.Writer
	p *progress
}

func (c clearingWriter) Write(b []byte) (int, error) {
	c.p.clear()
	return c.w.Write(b)
}

// terminalWidth returns the width in columns of the terminal w is, or 0.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return cols
}

// isTerminal reports whether w is a terminal. A character device that is
// not one, such as /dev/null, is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
