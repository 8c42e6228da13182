package secrets

import (
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf8"
)

// span is a range of a text to replace by Redacted.
type span struct{ start, end int }

// matcher finds the values of a Set in a text, in any of their forms. It
// is built once per change of the Set (compile) and read by any number of
// goroutines.
type matcher struct {
	// secrets, ordered by first byte, the longest first among those.
	secrets []string
	// first[b] is the range of secrets whose first byte is b.
	first [256]struct{ lo, hi uint32 }
	// pairs is a 4096-bit filter of the first two bytes of the secrets.
	pairs [64]uint64
	// plus[i] is secrets[i] with + for each space, when it has one.
	plus []string
}

// maxBacktrack bounds the alternatives tried for one match attempt, where
// a character of the secret is itself an escape character (%, \, &, +)
// that the text may hold as it is or escaped.
const maxBacktrack = 16

// workPerByte bounds the steps of a search per byte of the text searched
// (see findSecrets).
const workPerByte = 16

func compile(values []string) *matcher {
	m := &matcher{secrets: slices.Clone(values)}
	// A value is also written base64-encoded (a token echoed in a Basic
	// header or a signed blob), in either alphabet; without its padding,
	// which is found whether the text has it or not.
	// A value is also written in one letter case (a server that lower- or
	// upper-cases what it echoes).
	for _, v := range values {
		for _, f := range []string{strings.ToLower(v), strings.ToUpper(v)} {
			if len(f) >= MinLen && !slices.Contains(m.secrets, f) {
				m.secrets = append(m.secrets, f)
			}
		}
	}
	for _, v := range values {
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			e := enc.EncodeToString([]byte(v))
			if len(e) >= MinLen && !slices.Contains(m.secrets, e) {
				m.secrets = append(m.secrets, e)
			}
		}
	}
	slices.SortStableFunc(m.secrets, func(a, b string) int {
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		return len(b) - len(a)
	})
	for i, v := range m.secrets {
		r := &m.first[v[0]]
		if r.hi == 0 {
			r.lo = uint32(i)
		}
		r.hi = uint32(i + 1)
		h := pairHash(v[0], v[1])
		m.pairs[h>>6] |= 1 << (h & 63)
	}
	m.plus = make([]string, len(m.secrets))
	for i, v := range m.secrets {
		if strings.IndexByte(v, ' ') >= 0 {
			m.plus[i] = strings.ReplaceAll(v, " ", "+")
		}
	}
	// An escape may start any secret.
	for _, c := range []byte{'%', '\\', '&'} {
		m.first[c] = struct{ lo, hi uint32 }{0, uint32(len(m.secrets))}
	}
	return m
}

// findSpans returns the ranges of t to redact, in order and not
// overlapping: the secrets of m (nil for none), URL user-info and
// credential parameters.
func findSpans(m *matcher, t string) []span {
	var out []span
	if m != nil {
		if m.plain(t) {
			out = findPlain(m, t, out)
		} else {
			out = findSecrets(m, t, out)
		}
	}
	out = patternSpans(t, out)
	if len(out) < 2 {
		return out
	}
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	merged := out[:1]
	for _, sp := range out[1:] {
		last := &merged[len(merged)-1]
		if sp.start <= last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// plain tells whether t holds no escape (%, \, &) and no ellipsis: then a
// secret can only be written as it is (or with + for its spaces), and
// findPlain finds it faster.
func (m *matcher) plain(t string) bool {
	if strings.IndexByte(t, '%') >= 0 || strings.IndexByte(t, '\\') >= 0 || strings.IndexByte(t, '&') >= 0 {
		return false
	}
	return !strings.Contains(t, "...") && !strings.Contains(t, "…")
}

// findPlain is findSecrets for a plain text (see plain): each secret as it
// is, and a cut piece of one at the start or the end of the text.
func findPlain(m *matcher, t string, out []span) []span {
	for n, sec := range m.secrets {
		for _, form := range [2]string{sec, m.plus[n]} {
			for from := 0; form != ""; {
				i := strings.Index(t[from:], form)
				if i < 0 {
					break
				}
				out = append(out, span{from + i, from + i + len(form)})
				from += i + len(form)
			}
		}
		if len(sec) <= MinPartial || len(t) < MinPartial {
			continue
		}
		// A beginning of sec, at least half of it, closed by a quote.
		if h := max(MinPartial, (len(sec)+1)/2); h < len(sec) {
			for from := 0; ; {
				i := strings.Index(t[from:], sec[:h])
				if i < 0 {
					break
				}
				i += from
				k := h
				for k < len(sec) && i+k < len(t) && t[i+k] == sec[k] {
					k++
				}
				if k < len(sec) && quoteAt(t, i+k) {
					out = append(out, span{i, i + k})
				}
				from = i + k
			}
		}
		// A beginning of sec at the end of t: t's last MinPartial bytes
		// are then in sec.
		if strings.Contains(sec, t[len(t)-MinPartial:]) {
			for k := min(len(sec)-1, len(t)); k >= MinPartial; k-- {
				if strings.HasSuffix(t, sec[:k]) {
					out = append(out, span{len(t) - k, len(t)})
					break
				}
			}
		}
		// An end of sec at the start of t.
		if strings.Contains(sec, t[:MinPartial]) {
			for k := min(len(sec)-1, len(t)); k >= MinPartial; k-- {
				if strings.HasPrefix(t, sec[len(sec)-k:]) {
					out = append(out, span{0, k})
					break
				}
			}
		}
	}
	return out
}

// findSecrets appends the ranges of t that hold a secret of m, whole or
// cut short, leftmost first, the longest at a position.
//
// The search costs at most about workPerByte steps per byte of t: a text
// built to match long pieces of a long, repetitive secret at every
// position would make it quadratic. When the steps run out, the rest of
// the text is redacted whole: nothing leaks, and the time stays bounded.
func findSecrets(m *matcher, t string, out []span) []span {
	work := workPerByte*len(t) + 1<<16
	n := len(t)
	for i := 0; i < n; {
		c := t[i]
		boundary := i == 0 || ((t[i-1] == 0xA6 || t[i-1] == '.') && ellipsisBefore(t, i))
		r := m.first[c]
		if !boundary && (r.hi == 0 || (i+1 < n && !m.pairMay(c, t[i+1]))) {
			i++
			continue
		}
		if work < 0 {
			return append(out, span{i, n})
		}
		best := -1
		if boundary {
			best = suffixAt(m, t, i, &work)
		}
		for _, sec := range m.secrets[r.lo:r.hi] {
			budget := maxBacktrack
			end, k, atEnd := matchAt(t, i, sec, 0, &budget, &work)
			whole := k == len(sec)
			cut := k >= MinPartial && (atEnd || ellipsisAt(t, end) || (2*k >= len(sec) && quoteAt(t, end)))
			if (whole || cut) && end > best {
				best = end
			}
		}
		if best > i {
			out = append(out, span{i, best})
			i = best
			continue
		}
		i++
	}
	return out
}

// pairMay tells whether a secret may start with the bytes a, b of a text:
// a is an escape, or b may start an escape, or a secret starts with a, b
// as they are (or a pair of the same hash).
func (m *matcher) pairMay(a, b byte) bool {
	switch a {
	case '%', '\\', '&':
		return true
	}
	switch b {
	case '%', '\\', '&', '+':
		return true
	}
	h := pairHash(a, b)
	return m.pairs[h>>6]&(1<<(h&63)) != 0
}

func pairHash(a, b byte) uint { return (uint(a)<<4 ^ uint(b)) & 4095 }

// suffixAt returns the end of the longest end piece of a secret (at least
// MinPartial bytes of it, not all of it) written from i, or -1.
func suffixAt(m *matcher, t string, i int, work *int) int {
	best := -1
	for _, sec := range m.secrets {
		for k := 1; len(sec)-k >= MinPartial; k++ {
			if !utf8.RuneStart(sec[k]) {
				continue
			}
			budget := maxBacktrack
			if end, n, _ := matchAt(t, i, sec, k, &budget, work); n == len(sec) {
				best = max(best, end)
				break
			}
		}
	}
	return best
}

// matchAt matches sec from its byte j against t from its byte p, each
// character of sec as it is or in any escaped form. It returns where the
// match stopped in t, how many bytes of sec (from 0) are matched by then,
// and whether it stopped because t ended (in an escape, possibly).
func matchAt(t string, p int, sec string, j int, budget, work *int) (end, n int, atEnd bool) {
	b0 := *budget
	end, n, atEnd = matchFrom(t, p, sec, j, budget, work, false)
	if n == len(sec) || *budget > 0 {
		return end, n, atEnd
	}
	// The backtracking budget ran out, and the escapes were preferred
	// where a byte could be read either way: try once more preferring the
	// bytes as they are (a secret of backslashes written raw).
	budget2 := b0
	if e2, n2, ae2 := matchFrom(t, p, sec, j, &budget2, work, true); n2 > n {
		return e2, n2, ae2
	}
	return end, n, atEnd
}

// matchFrom is matchAt's search; where a byte of t may be read as an
// escape or as itself, lit tries itself first.
func matchFrom(t string, p int, sec string, j int, budget, work *int, lit bool) (end, n int, atEnd bool) {
	*work--
	for ; j < len(sec); *work-- {
		if p >= len(t) {
			return p, j, true
		}
		c, b := sec[j], t[p]
		if b == '%' || b == '\\' || b == '&' || (b == '+' && c == ' ') {
			next, r, trunc := unescapeAt(t, p)
			if trunc && b != c {
				// The text ends inside an escape: it is cut there.
				return len(t), j, true
			}
			if next > p {
				adv := runeMatch(r, sec, j)
				for adv == 0 && r == -('%'+1) && next+2 <= len(t) {
					// A percent escape encoded again (%252F for /).
					h, ok := hexN(t, next, 2)
					if !ok {
						break
					}
					next, r = next+2, -(h + 1)
					adv = runeMatch(r, sec, j)
				}
				if adv == 0 && r == '\\' && next < len(t) {
					// A JSON string inside a JSON string: \\/ or \\\/
					// for /, \\u002f, \\\" for ".
					if n2, r2 := jsonAgain(t, next); n2 > next {
						if a2 := runeMatch(r2, sec, j); a2 > 0 {
							next, r, adv = n2, r2, a2
						}
					}
				}
				if adv > 0 {
					switch {
					case b != c:
						p, j = next, j+adv
						continue
					case *budget <= 0 && !lit:
						p, j = next, j+adv
						continue
					case *budget <= 0:
						// lit: the character as it is, below.
					case lit:
						// Both fit: the character as it is first, then the
						// escape.
						*budget--
						if e, m, ae := matchFrom(t, p+1, sec, j+1, budget, work, lit); m == len(sec) {
							return e, m, ae
						}
						p, j = next, j+adv
						continue
					default:
						// Both fit: the escape first, else the character.
						*budget--
						if e, m, ae := matchFrom(t, next, sec, j+adv, budget, work, lit); m == len(sec) {
							return e, m, ae
						}
					}
				}
			}
		}
		if b != c {
			return p, j, false
		}
		p, j = p+1, j+1
	}
	return p, j, false
}

// runeMatch returns how many bytes of sec from j the decoded character r
// stands for, or 0. A value below 0x100 from a percent escape is a byte;
// the matcher decodes every escape to a rune and a byte 0x80-0xFF can only
// be matched by a percent escape, which unescapeAt returns as -(byte+1).
func runeMatch(r rune, sec string, j int) int {
	if r < 0 { // a percent-encoded byte
		if sec[j] == byte(-r-1) {
			return 1
		}
		return 0
	}
	if r < utf8.RuneSelf {
		if sec[j] == byte(r) {
			return 1
		}
		return 0
	}
	sr, size := utf8.DecodeRuneInString(sec[j:])
	if sr == r && sr != utf8.RuneError {
		return size
	}
	return 0
}

// unescapeAt decodes the escape starting at t[p] (%XX, +, a JSON escape, an
// HTML or XML character reference). It returns the position after it and
// the character (a percent-encoded byte b as -(b+1)), or next == p when
// there is no escape there; trunc when t ends inside what could be one.
func unescapeAt(t string, p int) (next int, r rune, trunc bool) {
	switch t[p] {
	case '+':
		return p + 1, ' ', false
	case '%':
		if p+2 >= len(t) {
			return p, 0, allHex(t, p+1, len(t))
		}
		h, ok := hexN(t, p+1, 2)
		if !ok {
			return p, 0, false
		}
		return p + 3, -(h + 1), false
	case '\\':
		if p+1 >= len(t) {
			return p, 0, true
		}
		switch e := t[p+1]; e {
		case '/', '\\', '"', '\'':
			return p + 2, rune(e), false
		case 'b':
			return p + 2, '\b', false
		case 'f':
			return p + 2, '\f', false
		case 'n':
			return p + 2, '\n', false
		case 'r':
			return p + 2, '\r', false
		case 't':
			return p + 2, '\t', false
		case 'u':
			if p+6 > len(t) {
				return p, 0, allHex(t, p+2, len(t))
			}
			h, ok := hexN(t, p+2, 4)
			if !ok {
				return p, 0, false
			}
			if h >= 0xD800 && h < 0xDC00 { // a surrogate pair
				if p+12 <= len(t) && t[p+6] == '\\' && t[p+7] == 'u' {
					if lo, ok := hexN(t, p+8, 4); ok && lo >= 0xDC00 && lo < 0xE000 {
						return p + 12, 0x10000 + (h-0xD800)<<10 + (lo - 0xDC00), false
					}
				}
				if p+12 > len(t) {
					return p, 0, true
				}
				return p, 0, false
			}
			return p + 6, h, false
		}
		return p, 0, false
	case '&':
		return entityAt(t, p)
	}
	return p, 0, false
}

// jsonAgain decodes the rest of a JSON escape written inside a JSON
// string, whose backslash was itself escaped and has been read: the
// character after it (as it is or escaped once) and, for u, four hex
// digits. It returns p when there is none.
func jsonAgain(t string, p int) (next int, r rune) {
	c, n := rune(t[p]), p+1
	if c == '\\' {
		if n2, r2, _ := unescapeAt(t, p); n2 > p {
			c, n = r2, n2
		}
	}
	switch c {
	case '/', '\\', '"', '\'':
		return n, c
	case 'u':
		if h, ok := hexN(t, n, 4); ok {
			return n + 4, h
		}
	}
	return p, 0
}

// entityAt decodes an HTML or XML character reference at t[p] == '&'.
func entityAt(t string, p int) (next int, r rune, trunc bool) {
	end := p + 1
	for end < len(t) && end-p <= 10 && t[end] != ';' {
		end++
	}
	if end >= len(t) || t[end] != ';' {
		return p, 0, end >= len(t)
	}
	name := t[p+1 : end]
	if len(name) >= 2 && name[0] == '#' {
		var v rune
		if name[1] == 'x' || name[1] == 'X' {
			h, ok := hexN(name, 2, len(name)-2)
			if !ok || len(name) == 2 {
				return p, 0, false
			}
			v = h
		} else {
			for i := 1; i < len(name); i++ {
				if name[i] < '0' || name[i] > '9' {
					return p, 0, false
				}
				v = v*10 + rune(name[i]-'0')
				if v > utf8.MaxRune {
					return p, 0, false
				}
			}
		}
		return end + 1, v, false
	}
	switch name {
	case "amp":
		return end + 1, '&', false
	case "lt":
		return end + 1, '<', false
	case "gt":
		return end + 1, '>', false
	case "quot":
		return end + 1, '"', false
	case "apos":
		return end + 1, '\'', false
	}
	return p, 0, false
}

// hexN reads n hex digits of t from i (1 to 6 of them).
func hexN(t string, i, n int) (rune, bool) {
	if n < 1 || n > 6 || i+n > len(t) {
		return 0, false
	}
	var v rune
	for k := i; k < i+n; k++ {
		d := unhex(t[k])
		if d < 0 {
			return 0, false
		}
		v = v<<4 | rune(d)
	}
	return v, true
}

func allHex(t string, i, j int) bool {
	for k := i; k < j; k++ {
		if unhex(t[k]) < 0 {
			return false
		}
	}
	return true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// ellipsisAt tells whether an ellipsis ("…" or "...") starts at t[i].
func ellipsisAt(t string, i int) bool {
	if i+3 > len(t) {
		return false
	}
	return (t[i] == 0xE2 && t[i+1] == 0x80 && t[i+2] == 0xA6) || (t[i] == '.' && t[i+1] == '.' && t[i+2] == '.')
}

// quoteAt tells whether a quote (", ' or an escaped \") starts at t[i]: the
// end of a string value, where a server may have cut an echoed secret.
func quoteAt(t string, i int) bool {
	return i < len(t) && (t[i] == '"' || t[i] == '\'' || (t[i] == '\\' && i+1 < len(t) && t[i+1] == '"'))
}

// ellipsisBefore tells whether an ellipsis ends just before t[i].
func ellipsisBefore(t string, i int) bool {
	return i >= 3 && (t[i-1] == 0xA6 || t[i-1] == '.') && ellipsisAt(t, i-3)
}

// patternSpans appends the ranges of t that hold the user-info of a URL
// (scheme://user:password@) or the value of a credential parameter
// (?token=..., &api_key=..., also after a JSON-escaped \u0026).
func patternSpans(t string, out []span) []span {
	for _, sep := range []string{"://", `:\/\/`} {
		for from := 0; ; {
			i := strings.Index(t[from:], sep)
			if i < 0 {
				break
			}
			a := from + i + len(sep)
			at := -1
			for k := a; k < len(t) && k-a < 512 && !authorityEnd(t[k]); k++ {
				if t[k] == '@' {
					at = k
				}
			}
			if at > a {
				out = append(out, span{a, at})
			}
			from = a
		}
	}
	for from := 0; ; {
		i := strings.IndexByte(t[from:], '=')
		if i < 0 {
			break
		}
		e := from + i
		from = e + 1
		if !paramBefore(t, e) {
			continue
		}
		end := from
		for end < len(t) && !valueEnd(t[end]) {
			end++
		}
		if end > from {
			out = append(out, span{from, end})
			from = end
		}
	}
	return out
}

func authorityEnd(c byte) bool {
	switch c {
	case '/', '?', '#', '\\', '"', '\'', '<', '>', ',', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

func valueEnd(c byte) bool {
	switch c {
	case '&', '#', '"', '\'', '<', '>', '\\', ';', ',', '(', ')', ':', ' ', '\t', '\r', '\n', '`', '|', '[', ']', '{', '}':
		return true
	}
	return false
}

// paramStart tells whether a parameter name starting at t[s] follows what
// starts a parameter: the start of the text, ?, &, ;, a space, a quote, an
// opening bracket, a backtick, a pipe, a comma, or
// a JSON-escaped & (\u0026).
func paramStart(t string, s int) bool {
	if s == 0 {
		return true
	}
	switch t[s-1] {
	case '?', '&', ';', ' ', '\t', '\n', '"', '\'', '(', '[', '{', '`', '|', ',':
		return true
	case '6':
		if s >= 6 && t[s-6] == '\\' && t[s-5] == 'u' {
			h, ok := hexN(t, s-4, 4)
			return ok && h == '&'
		}
	}
	return false
}

// maxParamName bounds the name of a credential parameter found in a text.
const maxParamName = 64

// paramBefore tells whether the name of a credential parameter (see
// IsParam), where a parameter may start (see paramStart), ends at t[e].
func paramBefore(t string, e int) bool {
	for s := e - 1; s >= 0 && e-s <= maxParamName && paramNameByte(t[s]); s-- {
		if paramStart(t, s) && IsParam(t[s:e]) {
			return true
		}
	}
	return false
}

// paramNameByte tells whether c may be part of a parameter's name.
func paramNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
