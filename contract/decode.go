package contract

import (
	"encoding/json"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

// maxFastDepth bounds the nesting the fast decoder accepts: the depth that
// jsonlimit allows any walker of outside JSON. A deeper body is declined, and
// decode then reports it too deep without asking encoding/json.
const maxFastDepth = jsonlimit.DefaultMaxDepth

// fastDecoder parses one JSON text into the tree encoding/json builds when it
// decodes into an any with UseNumber: map[string]any, []any, string,
// json.Number, bool and nil. It makes one pass over a string copy of the body,
// so keys, numbers and strings without escapes are substrings of that copy
// and cost no allocation of their own.
//
// It answers only when it is sure: for any text it does not accept (including
// valid JSON nested deeper than maxFastDepth, or data after the value) it
// reports failure and the caller asks encoding/json, which then gives the
// error or the value as it always did.
type fastDecoder struct {
	s     string
	i     int
	depth int
	vals  []any      // array elements being collected, innermost last
	kvs   []member   // object members being collected, innermost last
	buf   []byte     // scratch for strings with escapes or invalid UTF-8
	arena *treeArena // lends the maps and slices of the tree, or nil
}

type member struct {
	key string
	val any
}

var fastDecoders = sync.Pool{New: func() any { return new(fastDecoder) }}

// fastDecode returns the decoded body and true, or nil and false when the
// body is not a single JSON value followed only by white space (or is one the
// fast decoder declines). When it returns true, encoding/json would have
// returned an equal tree. The tree's maps and slices come from a when a is
// not nil, and the tree then lives until a is recycled; a nil a makes new
// ones.
func fastDecode(body []byte, a *treeArena) (any, bool) {
	d := fastDecoders.Get().(*fastDecoder)
	d.s, d.i, d.depth, d.arena = string(body), 0, 0, a
	v, ok := d.value()
	if ok {
		d.skipSpace()
		ok = d.i == len(d.s)
	}
	clear(d.vals)
	clear(d.kvs)
	d.vals, d.kvs, d.s, d.arena = d.vals[:0], d.kvs[:0], "", nil
	fastDecoders.Put(d)
	if !ok {
		return nil, false
	}
	return v, true
}

// Bounds on what a treeArena keeps, so that one huge body does not pin its
// memory: a map that held more than maxKeptMapLen entries and a slice with
// room for more than maxKeptSliceCap elements go to the garbage collector,
// and so does every map and slice beyond the first maxKeptMaps and
// maxKeptSlices.
const (
	maxKeptMaps     = 128
	maxKeptMapLen   = 64
	maxKeptSlices   = 64
	maxKeptSliceCap = 256
)

// treeArena lends the fast decoder the maps and []any slices of a tree and
// takes them back, cleared, when the tree is no longer used, so that the next
// body of the same shape is decoded into the same maps and slices. Strings
// and numbers are immutable and never reused. One goroutine owns an arena
// from treeArenas.Get to release.
type treeArena struct {
	maps    []map[string]any // maps[:nmaps] are lent out
	nmaps   int
	slices  []lentSlice // slices[:nslices] are lent out
	nslices int
}

// lentSlice is a slice of a treeArena, kept at full capacity, and the any
// holding s[:n:n] that was last lent.
type lentSlice struct {
	s     []any
	n     int
	boxed any
}

var treeArenas = sync.Pool{New: func() any { return new(treeArena) }}

// newMap returns an empty map for an object of n members; a nil arena makes
// a new one.
func (a *treeArena) newMap(n int) map[string]any {
	if a == nil {
		return make(map[string]any, n)
	}
	if a.nmaps < len(a.maps) {
		m := a.maps[a.nmaps]
		a.nmaps++
		return m
	}
	m := make(map[string]any, n)
	if len(a.maps) < maxKeptMaps {
		a.maps = append(a.maps, m)
		a.nmaps++
	}
	return m
}

// newSlice returns a zeroed []any of length n, in an any; a nil arena makes
// a new one. Putting a slice into an any allocates its header, so the arena
// also keeps the any it returned last time and returns it again when the
// same slice is lent at the same length.
func (a *treeArena) newSlice(n int) ([]any, any) {
	if a == nil {
		s := make([]any, n)
		return s, s
	}
	if a.nslices < len(a.slices) {
		l := &a.slices[a.nslices]
		a.nslices++
		if cap(l.s) < n {
			l.s = make([]any, n)
			l.boxed = nil
		}
		if l.boxed == nil || l.n != n {
			l.n, l.boxed = n, l.s[:n:n]
		}
		return l.s[:n:n], l.boxed
	}
	s := make([]any, n)
	if len(a.slices) < maxKeptSlices {
		a.slices = append(a.slices, lentSlice{s: s, n: n, boxed: s})
		a.nslices++
	}
	return s, s
}

// release recycles the arena and returns it to treeArenas.
func (a *treeArena) release() {
	a.recycle()
	treeArenas.Put(a)
}

// recycle clears the maps and slices lent out and keeps those within bounds
// for the next decode. No tree decoded from the arena may be used
// afterwards.
func (a *treeArena) recycle() {
	n := 0
	for i, m := range a.maps {
		if i < a.nmaps {
			if len(m) > maxKeptMapLen {
				continue
			}
			clear(m)
		}
		a.maps[n] = m
		n++
	}
	clear(a.maps[n:])
	a.maps, a.nmaps = a.maps[:n], 0

	n = 0
	for i, l := range a.slices {
		if cap(l.s) > maxKeptSliceCap {
			continue
		}
		if i < a.nslices {
			clear(l.s)
		}
		a.slices[n] = l
		n++
	}
	clear(a.slices[n:])
	a.slices, a.nslices = a.slices[:n], 0
}

func (d *fastDecoder) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) value() (any, bool) {
	d.skipSpace()
	if d.i >= len(d.s) {
		return nil, false
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		return s, true
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, false
}

func (d *fastDecoder) literal(lit string) bool {
	if len(d.s)-d.i < len(lit) || d.s[d.i:d.i+len(lit)] != lit {
		return false
	}
	d.i += len(lit)
	return true
}

// number scans a number by the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *fastDecoder) number() (any, bool) {
	s, i := d.s, d.i
	start := i
	if s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return nil, false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return nil, false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return nil, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return nil, false
		}
		i = j
	}
	d.i = i
	return json.Number(s[start:i]), true
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func (d *fastDecoder) object() (any, bool) {
	d.i++ // '{'
	if d.depth++; d.depth > maxFastDepth {
		return nil, false
	}
	d.skipSpace()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		d.depth--
		return d.arena.newMap(0), true
	}
	start := len(d.kvs)
	for {
		d.skipSpace()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.skipSpace()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.kvs = append(d.kvs, member{k, v})
		d.skipSpace()
		if d.i >= len(d.s) {
			return nil, false
		}
		c := d.s[d.i]
		d.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, false
		}
	}
	m := d.arena.newMap(len(d.kvs) - start)
	for _, e := range d.kvs[start:] {
		m[e.key] = e.val
	}
	if len(m) != len(d.kvs)-start {
		return nil, false // a member given twice: the slow path tells it
	}
	clear(d.kvs[start:])
	d.kvs = d.kvs[:start]
	d.depth--
	return m, true
}

// emptyArray is the value of every empty JSON array: an empty, non-nil
// slice, as encoding/json gives. It has no element to change and no room to
// append in place, so the trees can share it.
var emptyArray any = make([]any, 0)

func (d *fastDecoder) array() (any, bool) {
	d.i++ // '['
	if d.depth++; d.depth > maxFastDepth {
		return nil, false
	}
	d.skipSpace()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		d.depth--
		return emptyArray, true
	}
	start := len(d.vals)
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.vals = append(d.vals, v)
		d.skipSpace()
		if d.i >= len(d.s) {
			return nil, false
		}
		c := d.s[d.i]
		d.i++
		if c == ']' {
			break
		}
		if c != ',' {
			return nil, false
		}
	}
	a, boxed := d.arena.newSlice(len(d.vals) - start)
	copy(a, d.vals[start:])
	clear(d.vals[start:])
	d.vals = d.vals[:start]
	d.depth--
	return boxed, true
}

// str scans a string at d.i (an opening quote). A string with no escape and
// valid UTF-8 is a substring of the body; others are rebuilt the way
// encoding/json unquotes them.
func (d *fastDecoder) str() (string, bool) {
	s := d.s
	i := d.i + 1
	start := i
	ascii := true
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			v := s[start:i]
			if !ascii && !utf8.ValidString(v) {
				return "", false // bytes not UTF-8: the slow path tells them
			}
			return v, true
		case c == '\\':
			return d.unquote(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		i++
	}
	return "", false
}

// unquote decodes the string whose content starts at start, handling
// escapes (a lone or broken surrogate becomes U+FFFD) and replacing each
// byte of invalid UTF-8 with U+FFFD, as encoding/json does.
func (d *fastDecoder) unquote(start int) (string, bool) {
	s := d.s
	b := d.buf[:0]
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			d.buf = b
			return string(b), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				r := hex4(s, i+2)
				if r < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2 = hex4(s, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						i += 6
						break
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false // bytes not UTF-8: the slow path tells them
			}
			i += size
			b = utf8.AppendRune(b, r)
		}
	}
	return "", false
}

// hex4 returns the value of the four hex digits at s[i:], or -1.
func hex4(s string, i int) rune {
	if len(s)-i < 4 {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
