package jsonlimit_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

func TestCheck(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	cases := []struct {
		name string
		in   string
		lim  jsonlimit.Limits
		want error
	}{
		{"task", `{"task":{"a":[1,{"b":2}]},"success":true}`, jsonlimit.Limits{}, nil},
		{"at the limit", deep(128), jsonlimit.Limits{}, nil},
		{"one past the limit", deep(129), jsonlimit.Limits{}, jsonlimit.ErrTooDeep},
		{"9 MB of brackets", strings.Repeat("[", 9<<20), jsonlimit.Limits{}, jsonlimit.ErrTooDeep},
		{"brackets in strings", `"` + strings.Repeat("[", 500) + `"`, jsonlimit.Limits{}, nil},
		{"escaped quote", `["\"` + strings.Repeat("[", 500) + `"]`, jsonlimit.Limits{}, nil},
		{"custom depth", `{"a":{"b":{}}}`, jsonlimit.Limits{MaxDepth: 2}, jsonlimit.ErrTooDeep},
		{"too large", `{"a":"0123456789"}`, jsonlimit.Limits{MaxBytes: 10}, jsonlimit.ErrTooLarge},
		{"no size limit", `{"a":"0123456789"}`, jsonlimit.Limits{MaxBytes: -1}, nil},
		{"unbalanced closers", `]]]]{}`, jsonlimit.Limits{MaxDepth: 1}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := jsonlimit.Check([]byte(c.in), c.lim)
			if c.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, c.want), "%v", err)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestErrorMessage(t *testing.T) {
	err := jsonlimit.Check([]byte(`[[[`), jsonlimit.Limits{MaxDepth: 2})
	assert.EqualError(t, err, "JSON nested deeper than 2 levels (at byte 2)")
	err = jsonlimit.Check(make([]byte, 2<<20), jsonlimit.Limits{MaxBytes: 1 << 20})
	assert.EqualError(t, err, "JSON body larger than 1 MiB")
}

// FuzzCheck: Check never panics, and what it accepts encoding/json decodes
// without passing the depth limit.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"task":{"a":[1,{"b":"[["}]}}`), 3)
	f.Add([]byte(`[[[[[[]]]]]]`), 2)
	f.Add([]byte(`"\\"[[`), 1)
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		if max <= 0 || max > 64 || len(b) > 1<<16 {
			return
		}
		if jsonlimit.Check(b, jsonlimit.Limits{MaxDepth: max}) != nil {
			return
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		if d := depthOf(v); d > max {
			t.Fatalf("accepted depth %d > %d", d, max)
		}
		// Duplicate walks whatever Check accepts without failing.
		if at, ok := jsonlimit.Duplicate(b); ok && !strings.HasPrefix(at, "/") && at != "" {
			t.Fatalf("a pointer %q without its /", at)
		}
	})
}

func depthOf(v any) int {
	best := 0
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			best = max(best, depthOf(c))
		}
		return best + 1
	case []any:
		for _, c := range x {
			best = max(best, depthOf(c))
		}
		return best + 1
	}
	return 0
}

func TestDuplicate(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1,"a":2}`: "/a",
		`{"task":{"state":"X","id":1,"state":"Y"}}`: "/task/state",
		`[1,{"b":[true,null,{"c":1,"c":2}]}]`:       "/1/b/2/c",
		`{"a/b":{"x~":1,"x~":1}}`:                   "/a~1b/x~0",
		`{"a":{"a":1},"b":{"a":1}}`:                 "",
		`{"a":[{"x":1},{"x":2}],"b":"a"}`:           "",
		`{"s":"\"a\":1","a":1}`:                     "",
		`{"a":1,"\u0061":2}`:                        "/a",
		`"just a string"`:                           "",
		`{"a":`:                                     "",
	} {
		got, ok := jsonlimit.Duplicate([]byte(in))
		assert.Equal(t, want, got, in)
		assert.Equal(t, want != "", ok, in)
	}
}
