package proxy

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matching people in free text. A person's id, login names and display
// names are registered once, folded, as patterns; a text is folded once and
// every word of it looked up in a map keyed by the first word of the
// patterns, so that the cost of a text does not grow with the number of
// people known.
//
// Folding makes the spellings of one name equal: letter case, accents
// ("Élodie", "Elodie"), the German spellings of umlauts ("Müller",
// "Mueller", "Muller" all give "muller"), runs of white space, and
// combining marks. Both the patterns and the texts are folded the same way,
// so a text matches a pattern exactly when their folds are equal.

// foldLatin spells the letters U+00C0 to U+017F in lower-case ASCII; "" is
// for a symbol (× and ÷), kept as it is.
var foldLatin = [0x180 - 0xc0]string{
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // U+00C0
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss", // U+00D0
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // U+00E0
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y", // U+00F0
	"a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d", // U+0100
	"d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g", // U+0110
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", // U+0120
	"i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", // U+0130
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", // U+0140
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", // U+0150
	"s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u", // U+0160
	"u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s", // U+0170
}

// folder folds texts into a buffer it reuses, and remembers where each
// folded byte came from.
type folder struct {
	buf []byte
	// pos[i] is the offset in the text of the character that gave buf[i];
	// pos[len(buf)] is the length of the text.
	pos []int
}

// fold folds s into f.buf and f.pos.
func (f *folder) fold(s string) {
	f.buf, f.pos = f.buf[:0], f.pos[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'A' && c <= 'Z':
				f.letter(c+'a'-'A', i)
			case c == ' ' || c >= '\t' && c <= '\r':
				f.space(i)
			default:
				f.letter(c, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0xc0 && r < 0x180 && foldLatin[r-0xc0] != "":
			for _, b := range []byte(foldLatin[r-0xc0]) {
				f.letter(b, i)
			}
		case unicode.IsSpace(r):
			f.space(i)
		case r == '\u2019' || r == '\u02bc':
			f.letter('\'', i)
		case unicode.Is(unicode.Mn, r):
			// A combining accent: "e\u0301" is "é", folded to "e".
		default:
			r = unicode.ToLower(r)
			var enc [utf8.UTFMax]byte
			for _, b := range enc[:utf8.EncodeRune(enc[:], r)] {
				f.buf = append(f.buf, b)
				f.pos = append(f.pos, i)
			}
		}
		i += n
	}
	f.pos = append(f.pos, len(s))
}

// letter appends an ASCII byte, dropping the second letter of ae, oe, ue
// and ss so that "ü", "ue" and "u" fold alike.
func (f *folder) letter(c byte, at int) {
	if n := len(f.buf); n > 0 {
		last := f.buf[n-1]
		if c == 'e' && (last == 'a' || last == 'o' || last == 'u') || c == 's' && last == 's' {
			return
		}
	}
	f.buf = append(f.buf, c)
	f.pos = append(f.pos, at)
}

// space appends one space for a run of white space.
func (f *folder) space(at int) {
	if n := len(f.buf); n > 0 && f.buf[n-1] == ' ' {
		return
	}
	f.buf = append(f.buf, ' ')
	f.pos = append(f.pos, at)
}

// foldString returns the fold of s.
func foldString(s string) string {
	var f folder
	f.fold(s)
	return string(f.buf)
}

// isWordByte tells whether the folded text b has a letter or a digit at i.
func isWordAt(b []byte, i int) bool {
	c := b[i]
	if c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	r, _ := utf8.DecodeRune(b[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordBefore tells whether the folded text b has a letter or a digit just
// before i.
func wordBefore(b []byte, i int) bool {
	if i == 0 {
		return false
	}
	if c := b[i-1]; c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	r, _ := utf8.DecodeLastRune(b[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordEnd returns the end of the word that starts at i in the folded text b.
func wordEnd(b []byte, i int) int {
	for i < len(b) && isWordAt(b, i) {
		if b[i] < utf8.RuneSelf {
			i++
		} else {
			_, n := utf8.DecodeRune(b[i:])
			i += n
		}
	}
	return i
}

// pattern is a folded id or name of a person.
type pattern struct {
	folded string // without joiners (see isJoiner)
	ent    *entity
	id     string // the real id, when the pattern is an id; "" for a name
}

// isJoiner tells whether the folded text b has at i an apostrophe or a
// hyphen between two letters: "O'Connor", "Jean-Luc". Logins leave them
// out ("oconnor", "jeanluc"), so a pattern has none and a text's are
// skipped where a pattern goes on; they still end a word, so that
// "mmoreau's" and "d'Élodie" hold the words "mmoreau" and "elodie".
func isJoiner(b []byte, i int) bool {
	if b[i] != '\'' && b[i] != '-' || i == 0 || i+1 == len(b) {
		return false
	}
	return isLetterAt(b, i+1) && letterBefore(b, i)
}

func isLetterAt(b []byte, i int) bool {
	if c := b[i]; c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z'
	}
	r, _ := utf8.DecodeRune(b[i:])
	return unicode.IsLetter(r)
}

func letterBefore(b []byte, i int) bool {
	if c := b[i-1]; c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z'
	}
	r, _ := utf8.DecodeLastRune(b[:i])
	return unicode.IsLetter(r)
}

// withoutJoiners returns the folded s without its joiners.
func withoutJoiners(s string) string {
	b := []byte(s)
	out := b[:0]
	for i := range b {
		if !isJoiner(b, i) {
			out = append(out, b[i])
		}
	}
	return string(out)
}

// matcher finds the registered patterns in folded texts, as whole words:
// neither a letter nor a digit before or after.
type matcher struct {
	byFirst map[string][]*pattern // by the first word of the fold, longest first
	size    int
	key     []byte // scratch
}

// add registers a pattern; it keeps the first pattern of a fold.
func (m *matcher) add(p *pattern) {
	p.folded = withoutJoiners(p.folded)
	b := []byte(p.folded)
	if len(b) == 0 || !isWordAt(b, 0) {
		return
	}
	first := string(b[:wordEnd(b, 0)])
	list := m.byFirst[first]
	if slices.ContainsFunc(list, func(q *pattern) bool { return q.folded == p.folded }) {
		return
	}
	if m.byFirst == nil {
		m.byFirst = map[string][]*pattern{}
	}
	list = append(list, p)
	slices.SortStableFunc(list, func(x, y *pattern) int { return len(y.folded) - len(x.folded) })
	m.byFirst[first] = list
	m.size++
}

// find calls found with the span of the folded text of f that each match
// covers in the original text, left to right, without overlaps.
func (m *matcher) find(f *folder, found func(start, end int, p *pattern)) {
	if m.size == 0 {
		return
	}
	b := f.buf
	for i := 0; i < len(b); {
		if !isWordAt(b, i) || wordBefore(b, i) {
			i++
			continue
		}
		end := wordEnd(b, i)
		p, n := m.at(b, i, m.byFirst[string(b[i:end])])
		if p == nil && end < len(b) && isJoiner(b, end) {
			// The first word may go on past a joiner: "o'connor".
			m.key = append(m.key[:0], b[i:end]...)
			for j := end; j < len(b) && (isJoiner(b, j) || isWordAt(b, j)); j++ {
				if !isJoiner(b, j) {
					m.key = append(m.key, b[j])
				}
			}
			p, n = m.at(b, i, m.byFirst[string(m.key)])
		}
		if p != nil {
			found(f.pos[i], f.pos[n], p)
			i = n
			continue
		}
		i = end
	}
}

// at returns the first of the patterns found at i in b as a whole word,
// and where it ends; joiners of b are skipped where a pattern has none.
func (m *matcher) at(b []byte, i int, list []*pattern) (*pattern, int) {
	for _, p := range list {
		j, k := i, 0
		for k < len(p.folded) && j < len(b) {
			switch {
			case b[j] == p.folded[k]:
				j, k = j+1, k+1
			case isJoiner(b, j):
				j++
			default:
				j = -1
			}
			if j < 0 {
				break
			}
		}
		if j >= 0 && k == len(p.folded) && (j == len(b) || !isWordAt(b, j)) {
			return p, j
		}
	}
	return nil, 0
}

// nameForms returns the folds under which a login or a display name is
// written in free text: the name itself, and for a name of two or more
// parts ("mathieu.moreau", "jane_roe", "Jane Roe", "juergen.mueller2") the
// parts as words, "mathieu moreau", and last name first, "moreau, mathieu".
// A single word shorter than three letters is too common to look for.
func nameForms(name string) []string {
	var forms []string
	if f := foldString(name); len(f) >= 3 || strings.Contains(f, " ") {
		forms = append(forms, f)
	}
	base := strings.TrimRight(name, "0123456789")
	var parts []string
	switch {
	case strings.ContainsAny(base, "._"):
		parts = strings.FieldsFunc(base, func(r rune) bool { return r == '.' || r == '_' })
	case strings.ContainsFunc(base, unicode.IsSpace):
		parts = strings.Fields(base)
	default:
		parts = strings.Split(base, "-")
	}
	if len(parts) < 2 {
		return forms
	}
	for i, p := range parts {
		parts[i] = foldString(p)
		if len(parts[i]) < 2 || !isWordAt([]byte(parts[i]), 0) {
			return forms
		}
	}
	last := len(parts) - 1
	for _, f := range []string{strings.Join(parts, " "), parts[last] + ", " + strings.Join(parts[:last], " ")} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}
