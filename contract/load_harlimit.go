package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

// harLongString is the length of a JSON string, in bytes as written, from
// which harLimiter takes it out of the decoder's way.
const harLongString = 64 << 10

// harBlobPrefix starts the placeholder that stands for a long string in
// what the decoder reads: "\u0000taskmock-blob-N". A NUL byte cannot occur
// unescaped in a JSON string, so no real string can be taken for one.
const harBlobPrefix = "\x00taskmock-blob-"

// harBlob is a long string taken out of the stream: its bytes as written
// (escapes included, quotes excluded), unless it was longer than the limit,
// then only its length. The bytes are kept in chunks of harBlobChunk, so
// that keeping a long string neither copies it nor leaves garbage behind.
type harBlob struct {
	chunks [][]byte
	size   int64 // bytes as written
	cut    bool  // over the limit: the chunks were let go
	at     int64 // the offset of its placeholder in the limiter's output
}

// harBlobChunk is the size of the chunks of a harBlob.
const harBlobChunk = 1 << 20

// harLimiter sits between a HAR and its json.Decoder so that no string of
// the document is held whole by the decoder: a string longer than
// harLongString is kept aside (its bytes as written, up to limit bytes in
// all for the strings kept at once) and the decoder reads a short
// placeholder instead; a longer one is only measured. A run of number
// characters longer than harLongString is cut short the same way. The
// loader then asks for the strings it uses (harLimiter.text, .bytes) and
// lets go of the others (release), so that memory stays within about limit
// whatever the size of an entry.
type harLimiter struct {
	r     io.Reader
	limit int64 // most bytes kept aside at once

	in    []byte // read from r, not yet handled
	inBuf []byte
	err   error // of r, once in is used up

	out    []byte // ready for the decoder
	outBuf []byte // the array of out, reused
	off    int64  // bytes handed to the decoder so far

	inString bool
	escaped  bool
	pending  []byte   // the current string so far, while shorter than harLongString
	blob     *harBlob // the current long string
	number   int      // length of the current run of number characters

	blobs map[int]*harBlob
	next  int
	held  int64 // bytes of the kept strings
	// measureOnly makes long strings measured, not kept: set while the
	// caller keeps the input's bytes itself (looking for "log" in what may
	// be a body), so that a long string is not held twice.
	measureOnly bool

	// The lines of what the decoder read: the line breaks handed to it
	// from nlFrom on (a JSON string holds none as written, so they are the
	// input's own), and the line at nlFrom. lineAt moves nlFrom forward.
	nls    []int64
	nlFrom int64
	nlLine int
	nlLost bool // more breaks than harMaxBreaks between two lineAt
}

// harMaxBreaks bounds the line breaks kept between two entries.
const harMaxBreaks = 1 << 16

func newHARLimiter(r io.Reader, limit int64) *harLimiter {
	return &harLimiter{r: r, limit: limit, inBuf: make([]byte, 32<<10), blobs: map[int]*harBlob{}}
}

// Read hands the decoder the document, long strings replaced.
func (h *harLimiter) Read(p []byte) (int, error) {
	for len(h.out) == 0 {
		if len(h.in) == 0 {
			if h.err != nil {
				return 0, h.err
			}
			n, err := h.r.Read(h.inBuf)
			h.in, h.err = h.inBuf[:n], err
			if n == 0 && err == nil {
				continue
			}
		}
		h.scan()
	}
	n := copy(p, h.out)
	for i := 0; i < n && !h.nlLost; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		if len(h.nls) >= harMaxBreaks {
			h.nlLost = true // lines are unknown from here on
			break
		}
		h.nls = append(h.nls, h.off+int64(i+j))
		i += j + 1
	}
	h.out = h.out[n:]
	h.off += int64(n)
	return n, nil
}

// lineAt returns the 1-based line of the input at offset off of what the
// decoder read, 0 when unknown. Offsets must not go back from one call to
// the next.
func (h *harLimiter) lineAt(off int64) int {
	if h.nlLost || off < h.nlFrom {
		return 0
	}
	if h.nlLine == 0 {
		h.nlLine = 1
	}
	k := 0
	for k < len(h.nls) && h.nls[k] < off {
		k++
	}
	h.nlLine += k
	h.nlFrom = off
	h.nls = append(h.nls[:0], h.nls[k:]...)
	return h.nlLine
}

// scan moves what it can of h.in to h.out, which is empty.
func (h *harLimiter) scan() {
	out := h.outBuf[:0]
	for len(h.in) > 0 {
		if !h.inString {
			c := h.in[0]
			switch {
			case c == '"':
				h.inString, h.escaped, h.pending, h.number = true, false, h.pending[:0], 0
				h.in = h.in[1:]
				continue
			case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || c == 'e' || c == 'E':
				h.number++
				if h.number > harLongString {
					h.in = h.in[1:] // a number this long is cut short
					continue
				}
			default:
				h.number = 0
			}
			out = append(out, c)
			h.in = h.in[1:]
			continue
		}
		// In a string: take the bytes up to the next quote or backslash.
		i := 0
		if h.escaped {
			i = 1
			h.escaped = false
		}
		j := bytes.IndexAny(h.in[i:], `"\`)
		if j < 0 {
			h.keep(h.in)
			h.in = nil
			break
		}
		j += i
		if h.in[j] == '\\' {
			h.keep(h.in[:j+1])
			h.in = h.in[j+1:]
			h.escaped = true
			if len(h.in) > 0 {
				h.keep(h.in[:1])
				h.in = h.in[1:]
				h.escaped = false
			}
			continue
		}
		h.keep(h.in[:j])
		h.in = h.in[j+1:]
		h.inString = false
		if h.blob == nil {
			out = append(out, '"')
			out = append(out, h.pending...)
			out = append(out, '"')
			continue
		}
		id := h.next
		h.next++
		h.blob.at = h.off + int64(len(out))
		h.blobs[id] = h.blob
		h.blob = nil
		out = append(out, `"\u0000`+harBlobPrefix[1:]...)
		out = strconv.AppendInt(out, int64(id), 10)
		out = append(out, '"')
	}
	h.out, h.outBuf = out, out
}

// keep adds b to the current string.
func (h *harLimiter) keep(b []byte) {
	if h.blob == nil {
		if len(h.pending)+len(b) <= harLongString {
			h.pending = append(h.pending, b...)
			return
		}
		h.blob = &harBlob{cut: h.measureOnly}
		h.keepBlob(h.pending)
		h.pending = h.pending[:0]
	}
	h.keepBlob(b)
}

func (h *harLimiter) keepBlob(b []byte) {
	bl := h.blob
	bl.size += int64(len(b))
	if bl.cut {
		return
	}
	if h.held+int64(len(b)) > h.limit {
		h.held -= bl.size - int64(len(b))
		bl.chunks, bl.cut = nil, true
		return
	}
	h.held += int64(len(b))
	for len(b) > 0 {
		if n := len(bl.chunks); n == 0 || len(bl.chunks[n-1]) == cap(bl.chunks[n-1]) {
			bl.chunks = append(bl.chunks, make([]byte, 0, harBlobChunk))
		}
		last := &bl.chunks[len(bl.chunks)-1]
		k := min(len(b), cap(*last)-len(*last))
		*last = append(*last, b[:k]...)
		b = b[k:]
	}
}

// blobOf returns the long string a decoded value stands for, or nil.
func (h *harLimiter) blobOf(s string) *harBlob {
	n, ok := strings.CutPrefix(s, harBlobPrefix)
	if !ok {
		return nil
	}
	id, err := strconv.Atoi(n)
	if err != nil {
		return nil
	}
	return h.blobs[id]
}

// errHARCut is the error of a long string that was only measured.
type errHARCut struct{ size, limit int64 }

func (e *errHARCut) Error() string {
	return fmt.Sprintf("a value of %s as recorded, over the limit of %s", byteSize(e.size), jsonlimit.Size(e.limit))
}

// text returns the decoded string s stands for: s itself, or the long
// string kept aside. An error says the string was over the limit.
func (h *harLimiter) text(s string) (string, error) {
	b := h.blobOf(s)
	if b == nil {
		return s, nil
	}
	v, err := h.bytes(s, b)
	return string(v), err
}

// bytes returns the decoded bytes of the long string b, or of s.
func (h *harLimiter) bytes(s string, b *harBlob) ([]byte, error) {
	if b == nil {
		return []byte(s), nil
	}
	if b.cut {
		return nil, &errHARCut{size: b.size, limit: h.limit}
	}
	raw := make([]byte, 0, b.size)
	for _, c := range b.chunks {
		raw = append(raw, c...)
	}
	return unquoteJSON(raw)
}

// release lets go of the long strings whose placeholders the decoder has
// read, up to the offset at.
func (h *harLimiter) release(at int64) {
	for id, b := range h.blobs {
		if b.at < at {
			if !b.cut {
				h.held -= b.size
			}
			delete(h.blobs, id)
		}
	}
}

// unquoteJSON decodes the inside of a JSON string as written, the way
// encoding/json does: a lone surrogate and invalid UTF-8 become U+FFFD. It
// decodes in place, over raw, when raw is valid UTF-8: every escape is then
// at least as long as what it stands for.
func unquoteJSON(raw []byte) ([]byte, error) {
	valid := utf8.Valid(raw)
	if valid && bytes.IndexByte(raw, '\\') < 0 {
		return raw, nil
	}
	out := raw[:0]
	if !valid {
		out = make([]byte, 0, len(raw))
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 >= len(raw) {
				return nil, errors.New("invalid escape at the end of a string")
			}
			e := raw[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(string(raw[min(i, len(raw)):min(i+4, len(raw))]), 0)
				if r < 0 {
					return nil, errors.New("invalid \\u escape in a string")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						r2 = hex4(string(raw[i+2:i+6]), 0)
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						out = utf8.AppendRune(out, d)
						i += 6
						continue
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, fmt.Errorf("invalid escape \\%c in a string", e)
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			out = utf8.AppendRune(out, r)
			i += size
		}
	}
	return out, nil
}

// byteSize formats a size for a message: "268435456 bytes (256.0 MiB)".
func byteSize(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d bytes (%.1f MiB)", n, float64(n)/(1<<20))
}
