package contract

import (
	"encoding/json"
	"mime"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPlainMediaTypeAgreesWithMime(t *testing.T) {
	for _, ct := range []string{
		"application/json", "text/plain", "application/problem+json", "application/vnd.x-y.v1+json",
		"Application/JSON", "application/json; charset=utf-8", "application/json ", " application/json",
		"application/", "/json", "application", "a/b/c", "text/html;", "", "application/json\t",
	} {
		if !plainMediaType(ct) {
			continue
		}
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != ct {
			t.Errorf("%q: plain, but mime.ParseMediaType gives %q, %v", ct, mt, err)
		}
	}
}

func TestIsGUIDAgreesWithPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^(?:\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$`)
	for _, s := range []string{
		"A031377A-E3C5-4C1A-A081-56285228A3A3", "a031377a-e3c5-4c1a-a081-56285228a3a3",
		"{A031377A-E3C5-4C1A-A081-56285228A3A3}", "{A031377A-E3C5-4C1A-A081-56285228A3A3",
		"A031377A-E3C5-4C1A-A081-56285228A3A3}", "A031377AXE3C5-4C1A-A081-56285228A3A3",
		"G031377A-E3C5-4C1A-A081-56285228A3A3", "A031377A-E3C5-4C1A-A081-56285228A3A", "", "{}",
		"A031377A-E3C5-4C1A-A081-56285228A3A3\n", "{{031377A-E3C5-4C1A-A081-56285228A3A}}",
		"A031377AE3C5-4C1A-A081-56285228A3A3-", "{A031377A-E3C5-4C1A-A081-56285228A3A3}}", "é031377A-E3C5-4C1A-A081-56285228A3A",
		"((A031377A-E3C5-4C1A-A081-56285228A3A3", "A031377A-E3C5-4C1A-A081-56285228A3A3A031377A-E3C5-4C1A-A081-56285228A3A3",
	} {
		if got, want := IsGUID(s), pattern.MatchString(s); got != want {
			t.Errorf("IsGUID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestDaysInAgreesWithTime(t *testing.T) {
	for _, year := range []int{0, 1, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9999} {
		for month := 1; month <= 12; month++ {
			want := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(year, month); got != want {
				t.Errorf("daysIn(%d, %d) = %d, want %d", year, month, got, want)
			}
		}
	}
}

func TestParseDateTimeKeepsTheInstant(t *testing.T) {
	for _, s := range []string{"2024-08-13T07:46:16.582+02:00", "2024-08-13T07:46:16.582-0530", "2024-08-13T07:46:16Z", "2024-08-13T07:46:16", "2024-12-31T23:59:59-23:59"} {
		d, err := parseDateTime(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		layout := "2006-01-02T15:04:05.999999999Z07:00"
		if len(s) > 5 && s[len(s)-5] != ':' && (s[len(s)-5] == '+' || s[len(s)-5] == '-') {
			layout = "2006-01-02T15:04:05.999999999Z0700"
		} else if !strings.HasSuffix(s, "Z") && !strings.ContainsAny(s[19:], "+-") {
			layout = "2006-01-02T15:04:05.999999999"
		}
		want, err := time.Parse(layout, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !d.t.Equal(want) {
			t.Errorf("%s: %v, want %v", s, d.t, want)
		}
	}
}

// FuzzUnquoteJSON: the HAR limiter's unquoting of a long string gives what
// encoding/json gives for any string it accepts, in place or not.
func FuzzUnquoteJSON(f *testing.F) {
	for _, s := range []string{`plain`, `a\"b\\c\/d\b\f\n\r\t`, `\u00e9\ud83d\ude00`, `\ud800 lone`, "bad \xff utf-8", `\u12`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want string
		wantErr := json.Unmarshal([]byte(`"`+s+`"`), &want)
		got, err := unquoteJSON([]byte(s))
		if wantErr != nil {
			return // not a JSON string: the decoder has refused it before
		}
		if err != nil || string(got) != want {
			t.Fatalf("unquoteJSON(%q) = %q, %v; want %q", s, got, err, want)
		}
	})
}
