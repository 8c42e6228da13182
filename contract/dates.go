package contract

import (
	"fmt"
	"time"
)

// Formats the documents use for dates, registered with the schema compiler.
const (
	// FormatEsriDateTime is an ISO 8601 date-time such as
	// 2025-09-26T23:13:17Z, or the empty string when the date is not set.
	FormatEsriDateTime = "esri-date-time"
	// FormatOracleDateTime is a date-time in one of the three shapes Oracle
	// documents or shows: 2024-08-13T07:46:16.582Z,
	// 2024-08-13T07:46:16.582+00:00 (or +0000), and 2024-08-13T07:46:16 with
	// no zone (taken as UTC).
	FormatOracleDateTime = "oracle-date-time"
)

// dateTime is a parsed date-time with what was said of its zone.
type dateTime struct {
	t time.Time
	// zone is "Z", "offset" or "" (no zone given).
	zone string
}

// parseDateTime parses YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM|±HHMM] and
// checks that the date exists on the calendar. It never panics; its error
// says what is wrong in a few words.
func parseDateTime(s string) (dateTime, error) {
	const base = len("2006-01-02T15:04:05")
	if len(s) < base {
		return dateTime{}, fmt.Errorf("too short for YYYY-MM-DDTHH:MM:SS")
	}
	for i := 0; i < base; i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return dateTime{}, fmt.Errorf("expected '-' at position %d", i+1)
			}
		case 10:
			if c != 'T' {
				return dateTime{}, fmt.Errorf("expected 'T' at position %d", i+1)
			}
		case 13, 16:
			if c != ':' {
				return dateTime{}, fmt.Errorf("expected ':' at position %d", i+1)
			}
		default:
			if c < '0' || c > '9' {
				return dateTime{}, fmt.Errorf("expected a digit at position %d", i+1)
			}
		}
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range []byte(s[from:to]) {
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec := num(11, 13), num(14, 16), num(17, 19)
	switch {
	case month < 1 || month > 12:
		return dateTime{}, fmt.Errorf("month %02d does not exist", month)
	case day < 1 || day > daysIn(year, month):
		return dateTime{}, fmt.Errorf("day %02d does not exist in %04d-%02d", day, year, month)
	case hour > 23:
		return dateTime{}, fmt.Errorf("hour %02d does not exist", hour)
	case minute > 59:
		return dateTime{}, fmt.Errorf("minute %02d does not exist", minute)
	case sec > 59:
		return dateTime{}, fmt.Errorf("second %02d does not exist", sec)
	}
	rest := s[base:]
	nanos := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		digits := rest[1:i]
		if len(digits) == 0 || len(digits) > 9 {
			return dateTime{}, fmt.Errorf("fraction of a second must have 1 to 9 digits")
		}
		for j := 0; j < 9; j++ {
			nanos *= 10
			if j < len(digits) {
				nanos += int(digits[j] - '0')
			}
		}
		rest = rest[i:]
	}
	off := 0 // seconds east of UTC
	zone := ""
	switch {
	case rest == "":
	case rest == "Z":
		zone = "Z"
	case rest[0] == '+' || rest[0] == '-':
		z := rest[1:]
		if len(z) == 5 && z[2] == ':' {
			z = z[:2] + z[3:]
		}
		if len(z) != 4 || !allDigits(z) {
			return dateTime{}, fmt.Errorf("zone %q is not Z, ±HH:MM or ±HHMM", rest)
		}
		h, m := int(z[0]-'0')*10+int(z[1]-'0'), int(z[2]-'0')*10+int(z[3]-'0')
		if h > 23 || m > 59 {
			return dateTime{}, fmt.Errorf("zone %q does not exist", rest)
		}
		off = h*3600 + m*60
		if rest[0] == '-' {
			off = -off
		}
		zone = "offset"
	default:
		return dateTime{}, fmt.Errorf("unexpected %q after the time", truncate(rest, 20))
	}
	// The instant in UTC: a fixed zone would cost an allocation per date
	// and the checks only compare instants.
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC).Add(-time.Duration(off) * time.Second)
	return dateTime{t: t, zone: zone}, nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// checkEsriDateTime is the format checker of FormatEsriDateTime.
func checkEsriDateTime(v any) error {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil // other types are the type keyword's business
	}
	if _, err := parseDateTime(s); err != nil {
		return fmt.Errorf("not an ISO 8601 date-time such as 2025-09-26T23:13:17Z or \"\": %v", err)
	}
	return nil
}

// checkOracleDateTime is the format checker of FormatOracleDateTime.
func checkOracleDateTime(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if _, err := parseDateTime(s); err != nil {
		return fmt.Errorf("not a date-time such as 2024-08-13T07:46:16.582+00:00, 2024-08-13T07:46:16.582Z or 2024-08-13T07:46:16: %v", err)
	}
	return nil
}

// truncate shortens s to at most n bytes, on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
