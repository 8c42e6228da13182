package contract

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

// LineOf returns the 1-based line of body, as written, where the value at
// location (a Violation's JSON Pointer, such as "/task/statusCode") starts,
// so that a report can point at the input itself rather than at a
// re-encoding. Body is walked only within jsonlimit's default bounds.
// Locations that are not a pointer into the body ("status",
// "header/Content-Type", "body") are the body's first line. ok is false
// when body is not JSON or holds no such value. The walk reads body once,
// keeping only the current path.
func LineOf(body []byte, location string) (line int, ok bool) {
	if !strings.HasPrefix(location, "/") {
		return 1 + bytes.Count(body[:len(body)-len(bytes.TrimLeft(body, " \t\r\n"))], []byte("\n")), json.Valid(body)
	}
	if jsonlimit.Check(body, jsonlimit.Limits{}) != nil {
		return 0, false // too deep or too large to walk
	}
	want := strings.Split(location[1:], "/")
	for i, p := range want {
		want[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		index  int    // the next element's index, in an array
		key    string // the member being read, in an object
		keyed  bool   // the key of the next value was read
	}
	var stack []*frame
	// finish ends the value that was the current member or element of the
	// innermost open container.
	finish := func() {
		if len(stack) == 0 {
			return
		}
		if t := stack[len(stack)-1]; t.object {
			t.keyed = false
		} else {
			t.index++
		}
	}
	// at returns where the value that follows offset starts.
	at := func(offset int64) int {
		i := int(offset)
		for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n' || body[i] == ',' || body[i] == ':') {
			i++
		}
		return 1 + bytes.Count(body[:i], []byte("\n"))
	}
	// matches reports whether the path of the value about to be read is
	// the wanted one.
	matches := func() bool {
		if len(stack) != len(want) {
			return false
		}
		for i, f := range stack {
			seg := f.key
			if !f.object {
				seg = strconv.Itoa(f.index)
			}
			if seg != want[i] {
				return false
			}
		}
		return true
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return 0, false
		}
		if err != nil {
			return 0, false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && !top.keyed {
			if d, isDelim := tok.(json.Delim); isDelim && d == '}' {
				stack = stack[:len(stack)-1]
				finish()
				continue
			}
			top.key, top.keyed = tok.(string), true
			continue
		}
		if d, isDelim := tok.(json.Delim); isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			finish()
			continue
		}
		// tok starts a value.
		if matches() {
			return at(before), true
		}
		if d, isDelim := tok.(json.Delim); isDelim {
			stack = append(stack, &frame{object: d == '{'})
			continue
		}
		finish()
	}
}
