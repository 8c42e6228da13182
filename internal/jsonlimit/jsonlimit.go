// Package jsonlimit bounds the JSON that taskmock reads from outside: bodies
// that a proxy forwards, files that validate reads, tasks that the admin API
// and fixture directories hand to the mock. Every walker of outside JSON asks
// Check before it decodes or recurses, so that no input can exhaust the stack
// or the memory, whatever its shape. The scan is iterative: its own cost is one
// pass over the bytes and no allocation.
package jsonlimit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// DefaultMaxDepth is the deepest nesting of arrays and objects a walker
// accepts unless told otherwise. A task of either API is less than ten levels
// deep, a HAR document holding one less than twenty.
const DefaultMaxDepth = 128

// DefaultMaxBytes is the largest body a walker accepts unless told otherwise.
const DefaultMaxBytes = 64 << 20

// Limits says how much JSON a walker accepts. A zero field takes its default.
type Limits struct {
	MaxDepth int   // nesting of arrays and objects; 0 means DefaultMaxDepth
	MaxBytes int64 // bytes; 0 means DefaultMaxBytes, negative means no limit
}

// Sentinels that errors.Is finds in an *Error.
var (
	ErrTooDeep  = errors.New("nested too deep")
	ErrTooLarge = errors.New("too large")
)

// Error says which limit an input broke and where.
type Error struct {
	Kind   error // ErrTooDeep or ErrTooLarge
	Limit  int64 // the limit that was passed
	Offset int64 // the byte offset at which it was passed
}

// Error returns one line, such as "JSON nested deeper than 128 levels (at
// byte 4096)".
func (e *Error) Error() string {
	if e.Kind == ErrTooDeep {
		return fmt.Sprintf("JSON nested deeper than %d levels (at byte %d)", e.Limit, e.Offset)
	}
	return fmt.Sprintf("JSON body larger than %s", Size(e.Limit))
}

// Is makes errors.Is(err, ErrTooDeep) and errors.Is(err, ErrTooLarge) work.
func (e *Error) Is(target error) bool { return target == e.Kind }

func (l Limits) depth() int {
	if l.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return l.MaxDepth
}

func (l Limits) bytes() int64 {
	if l.MaxBytes == 0 {
		return DefaultMaxBytes
	}
	return l.MaxBytes
}

// Check tells whether b stays within l: not larger than MaxBytes, and no
// array or object nested deeper than MaxDepth. It does not check that b is
// valid JSON (the decoder that follows does); brackets inside strings do not
// count. It returns nil or an *Error.
func Check(b []byte, l Limits) error {
	if max := l.bytes(); max >= 0 && int64(len(b)) > max {
		return &Error{Kind: ErrTooLarge, Limit: max, Offset: max}
	}
	max := l.depth()
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > max {
				return &Error{Kind: ErrTooDeep, Limit: int64(max), Offset: int64(i)}
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// CheckString is Check for a string.
func CheckString(s string, l Limits) error {
	return Check([]byte(s), l) // the compiler does not copy for a conversion only read
}

// Size formats a byte count for a message: "64 MiB", "512 KiB", "100 bytes".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Kinds names, in JSON's terms, what decoding outside JSON into a Go value
// found and expected when it fails with an *json.UnmarshalTypeError:
// found is the value's kind with an article ("an object", "a string"),
// expected the kind the Go type is decoded from ("an array"), never a Go
// type's name. ok is false for any other error.
func Kinds(err error) (found, expected string, ok bool) {
	te, ok := errors.AsType[*json.UnmarshalTypeError](err)
	if !ok {
		return "", "", false
	}
	found = "a value"
	switch v := te.Value; {
	case v == "":
	case strings.HasPrefix(v, "array"), strings.HasPrefix(v, "object"):
		found = "an " + v
	case v == "bool":
		found = "a boolean"
	default:
		found = "a " + v
	}
	expected = "another kind"
	if te.Type != nil {
		switch te.Type.Kind() {
		case reflect.String:
			expected = "a string"
		case reflect.Struct, reflect.Map, reflect.Pointer:
			expected = "an object"
		case reflect.Slice, reflect.Array:
			expected = "an array"
		case reflect.Bool:
			expected = "a boolean"
		default:
			expected = "a number"
		}
	}
	return found, expected, true
}

// Duplicate returns the JSON pointer of the first member that an object of
// b gives twice ("/task/state"), which parsers read differently (the first
// or the last wins, or the document is refused); ok is false when there is
// none or b is not JSON. Call it on b that Check accepted: it keeps one set
// of names per open object.
func Duplicate(b []byte) (pointer string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object bool
		names  map[string]bool
		at     string // the pointer of this value
		index  int    // the next element of an array
		key    bool   // the next token of an object is a member name
		name   string // the member whose value comes next
	}
	var stack []*frame
	child := func() string { // the pointer of the value about to be read
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return f.at + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(f.name)
		}
		f.index++
		return f.at + "/" + strconv.Itoa(f.index-1)
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var f *frame
		if len(stack) > 0 {
			f = stack[len(stack)-1]
		}
		if name, isName := tok.(string); isName && f != nil && f.object && f.key {
			if f.names[name] {
				f.name = name
				return child(), true
			}
			f.names[name] = true
			f.key, f.name = false, name
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, &frame{object: tok == json.Delim('{'), names: map[string]bool{}, at: child(), key: true})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return "", false
			}
			f = stack[len(stack)-1]
		default:
			if f == nil {
				return "", false // a lone scalar
			}
			child() // counts an array's element
		}
		if f.object {
			f.key = true
		}
	}
}
