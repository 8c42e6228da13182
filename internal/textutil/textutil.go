// Package textutil holds the small text helpers the reports and the
// command line share: counted nouns and one-line messages.
package textutil

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Plural formats n with the noun, singular for exactly one: "1 error",
// "2 errors", "3 HAR entries".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// OneLine replaces control characters (newlines, tabs, escapes), line
// separators and invalid UTF-8 by spaces, so that a message from outside
// stays on one line and reaches no terminal as an escape sequence.
func OneLine(s string) string {
	return MapRunes(s, func(r rune, valid bool) rune {
		if !valid || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	})
}

// MapRunes is strings.Map that tells the mapping whether the rune was
// valid UTF-8, so that a real U+FFFD is told apart from a bad byte. A
// negative result drops the rune.
func MapRunes(s string, mapping func(r rune, valid bool) rune) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if m := mapping(r, r != utf8.RuneError || size > 1); m >= 0 {
			b.WriteRune(m)
		}
	}
	return b.String()
}
