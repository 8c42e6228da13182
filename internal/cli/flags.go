package cli

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The words of the flag package's errors that flagError rewords. They
// have been the same since Go 1.0; TestFlagErrors fails if one changes.
const (
	flagUndefinedPrefix = "flag provided but not defined: -"
	flagNoValuePrefix   = "flag needs an argument: -"
	flagSyntaxPrefix    = "bad flag syntax: "
)

// errNeedsValue is the error of a flag whose value is missing or is the
// next flag.
var errNeedsValue = errors.New("needs a value")

// flagValueError is a value a flag refused: the name of the flag, the
// value given and the error of its Set.
type flagValueError struct {
	name  string
	value string
	err   error
}

func (e *flagValueError) Error() string { return e.err.Error() }

// trappedValue wraps the Value of a flag, so that an error of its Set
// reaches flagError whole: the flag package keeps only its text.
type trappedValue struct {
	flag.Value
	name   string
	fs     *flag.FlagSet
	failed **flagValueError
}

func (v *trappedValue) Set(s string) error {
	var err error
	if !isBoolFlag(v.Value) && namesFlag(v.fs, s) {
		// "--out --format json": --out took the next flag as its value.
		err = errNeedsValue
	} else {
		err = v.Value.Set(s)
	}
	if err != nil {
		*v.failed = &flagValueError{name: v.name, value: s, err: err}
		return *v.failed
	}
	return nil
}

// trappedBool is a trappedValue of a flag that needs no value.
type trappedBool struct{ *trappedValue }

func (trappedBool) IsBoolFlag() bool { return true }

func isBoolFlag(v flag.Value) bool {
	b, ok := v.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// namesFlag tells whether s is written as a flag of fs ("--api", "-api",
// "--api=x", "-h") or is the "--" that ends the flags, not the value of
// one.
func namesFlag(fs *flag.FlagSet, s string) bool {
	if s == "--" {
		return true
	}
	name, ok := strings.CutPrefix(s, "-")
	if !ok {
		return false
	}
	name = strings.TrimPrefix(name, "-")
	name, _, _ = strings.Cut(name, "=")
	return name == "h" || name == "help" || (name != "" && fs.Lookup(name) != nil)
}

// trapValues wraps every flag of fs in a trappedValue and returns where
// the value refused is kept. It is called once for fs, before parsing.
func trapValues(fs *flag.FlagSet) **flagValueError {
	failed := new(*flagValueError)
	fs.VisitAll(func(f *flag.Flag) {
		tv := &trappedValue{Value: f.Value, name: f.Name, fs: fs, failed: failed}
		if isBoolFlag(f.Value) {
			f.Value = trappedBool{tv}
		} else {
			f.Value = tv
		}
	})
	return failed
}

// flagError words an error of fs.Parse as taskmock speaks: flags written
// --name, values clipped and quoted, what was expected instead of "parse
// error". failed is what trapValues returned for fs. It is the one place
// that knows the flag package's wording.
func flagError(fs *flag.FlagSet, failed *flagValueError, err error) error {
	msg := err.Error()
	if failed != nil {
		return errors.New(valueMessage(fs, failed))
	}
	if name, ok := strings.CutPrefix(msg, flagUndefinedPrefix); ok {
		return errors.New(unknownFlag(fs, name))
	}
	if name, ok := strings.CutPrefix(msg, flagNoValuePrefix); ok {
		return fmt.Errorf("%s needs a value", shownFlag(name))
	}
	if arg, ok := strings.CutPrefix(msg, flagSyntaxPrefix); ok {
		return fmt.Errorf("bad flag %s: write flags as --name or --name=value", shownValue(arg))
	}
	return err
}

// unknownFlag words a flag that fs does not define, naming a flag of fs
// the user may have meant.
func unknownFlag(fs *flag.FlagSet, name string) string {
	msg := "unknown flag " + shownFlag(name)
	if len(name) > 64 {
		return msg
	}
	var best string
	bestDist := 3
	if utf8.RuneCountInString(name) <= 4 {
		bestDist = 2
	}
	fs.VisitAll(func(f *flag.Flag) {
		d := editDistance(strings.ToLower(name), f.Name)
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best != "" {
		msg += " (did you mean --" + best + "?)"
	}
	return msg
}

// valueMessage words a value refused by a flag of fs.
func valueMessage(fs *flag.FlagSet, e *flagValueError) string {
	name, value := shownFlag(e.name), shownValue(e.value)
	if errors.Is(e.err, errNeedsValue) {
		next, _, _ := strings.Cut(strings.TrimLeft(e.value, "-"), "=")
		switch next {
		case "":
			return fmt.Sprintf(`%s needs a value before "--"`, name)
		case "h":
			return name + " needs a value, got the flag -h"
		}
		return fmt.Sprintf("%s needs a value, got the flag %s", name, shownFlag(next))
	}
	f := fs.Lookup(e.name)
	var inner flag.Value
	if f != nil {
		inner = f.Value
		if tv, ok := inner.(*trappedValue); ok {
			inner = tv.Value
		} else if tb, ok := inner.(trappedBool); ok {
			inner = tb.Value
		}
	}
	getter, ok := inner.(flag.Getter)
	if !ok {
		// A flag with its own parser says what it expects; the value is
		// not repeated, as it may be a credential (--header).
		if msg := e.err.Error(); strings.HasPrefix(msg, name+" ") {
			return msg // it names the flag itself
		}
		return fmt.Sprintf("%s: %s", name, e.err)
	}
	switch getter.Get().(type) {
	case bool:
		return fmt.Sprintf("%s takes true or false, not %s", name, value)
	case int, int64:
		if _, err := strconv.ParseInt(strings.ReplaceAll(e.value, "_", ""), 0, 64); errors.Is(err, strconv.ErrRange) {
			return fmt.Sprintf("%s: %s is out of range", name, value)
		}
		return fmt.Sprintf("%s: %s is not a whole number", name, value)
	case uint, uint64:
		if _, err := strconv.ParseUint(strings.ReplaceAll(e.value, "_", ""), 0, 64); errors.Is(err, strconv.ErrRange) {
			return fmt.Sprintf("%s: %s is out of range (at most %d)", name, value, uint64(1<<64-1))
		}
		return fmt.Sprintf("%s: %s is not a whole number of 0 or more", name, value)
	case float64:
		return fmt.Sprintf("%s: %s is not a number", name, value)
	case time.Duration:
		return fmt.Sprintf("%s: %s is not a duration such as 500ms, 30s or 2m", name, value)
	}
	return fmt.Sprintf("%s: %s", name, e.err)
}

// maxShown is how many characters of a value or a flag name a message
// shows.
const maxShown = 40

// shownValue is s as a message shows it: quoted, and clipped to maxShown
// characters with "…".
func shownValue(s string) string {
	return strconv.Quote(clip(s))
}

// shownFlag is the flag name as a message shows it: --name, quoted if it
// holds a character a flag name has not.
func shownFlag(name string) string {
	for _, r := range name {
		if !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return shownValue("--" + name)
		}
	}
	return "--" + clip(name)
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxShown {
		return s
	}
	return string([]rune(s)[:maxShown]) + "…"
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// topFlagError words a flag given to taskmock itself, which has none but
// -h and --help; "--version" and the like are taken for the command.
func topFlagError(arg string) error {
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	name, _, _ = strings.Cut(name, "=")
	if name == "" || strings.HasPrefix(name, "-") {
		return fmt.Errorf("bad flag %s: write flags as --name or --name=value", shownValue(arg))
	}
	msg := "unknown flag " + shownFlag(name)
	if _, ok := lookup(name); ok {
		msg += fmt.Sprintf(" (did you mean 'taskmock %s'?)", name)
	}
	return errors.New(msg)
}
