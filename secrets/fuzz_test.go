package secrets_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/taskmock/taskmock/secrets"
)

// encodings are the forms a secret takes in an output.
var encodings = []struct {
	name string
	f    func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"json", func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }},
	{"json-slash", func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(string(b[1:len(b)-1]), "/", `\/`)
	}},
	{"json-all-u", func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if r > 0xFFFF {
				r1, r2 := (r-0x10000)>>10+0xD800, (r-0x10000)&0x3FF+0xDC00
				fmt.Fprintf(&b, `\u%04X\u%04x`, r1, r2)
				continue
			}
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}},
	{"query", url.QueryEscape},
	{"query-lower", func(s string) string { return lowerPercent(url.QueryEscape(s)) }},
	{"path", url.PathEscape},
	{"path-lower", func(s string) string { return lowerPercent(url.PathEscape(s)) }},
	{"html", html.EscapeString},
}

func lowerPercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteString(strings.ToLower(s[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FuzzRedact checks the promise of a Set on any input: Redact never panics,
// and a secret written in any of its forms, anywhere in a text, never
// survives in the output (outside what Redacted itself spells).
func FuzzRedact(f *testing.F) {
	f.Add("abc/def+ghi=", "token ", " end", uint8(0))
	f.Add("pässwörd1", "", "", uint8(3))
	f.Add("a&b<c>d", `{"x":"`, `"}`, uint8(1))
	f.Add("%25%41%%", "x%", "%", uint8(4))
	f.Add("key😀key", "…", "...", uint8(3))
	f.Add("secret value", "?q=", "&token=x", uint8(5))
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string, form uint8) {
		s := secrets.New(secret)
		text := prefix + encodings[int(form)%len(encodings)].f(strings.TrimSpace(secret)) + suffix
		out := s.Redact(text)
		if got := string(s.RedactBytes([]byte(text))); got != out {
			t.Fatalf("Redact and RedactBytes differ: %q and %q", out, got)
		}
		v := strings.TrimSpace(secret)
		if len(v) < secrets.MinLen || !utf8.ValidString(v) {
			return
		}
		for _, piece := range strings.Split(out, secrets.Redacted) {
			for _, e := range encodings {
				if enc := e.f(v); strings.Contains(piece, enc) {
					t.Fatalf("secret %q survives %s-encoded as %q in %q (from %q)", v, e.name, enc, out, text)
				}
			}
		}
	})
}

// FuzzRedactAny gives a Set and a text of any bytes: no panic, and a text
// without anything to hide comes back as it was.
func FuzzRedactAny(f *testing.F) {
	f.Add("secret-1", "no secret here")
	f.Add("\\u00", "\\u00")
	f.Add("&#x", "&#x1F600;&#99999999999;")
	f.Fuzz(func(t *testing.T, secret, text string) {
		s := secrets.New(secret)
		_ = s.Redact(text)
		_ = s.RedactURL(text)
		_ = secrets.Collect(text, nil, nil)
		s.AddCredential(text)
		_ = s.RedactBytes([]byte(text))
	})
}
