package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

// oddJSON are inputs at the edges of the grammar, for the differential
// tests of the fast decoder.
var oddJSON = []string{
	``, ` `, `null`, `true`, `false`, `tru`, `nul`, `0`, `-0`, `-`, `01`, `1.`, `1.5e`, `1e+5`, `-1.25E-3`,
	`123456789012345678901234567890`, `"a"`, `""`, `"\u00e9\ud83d\ude00"`, `"\ud83d"`, `"\ude00\ud83d"`,
	`"\ud83dx"`, `"\ud83d\u0041"`, `"\uDFFF\uDBFF"`, `"\u12"`, `"\x"`, `"\'"`, `"a\tb"`, "\"a\tb\"", "\"\xff\xfe\"",
	"\"\xed\xa0\x80\"", "\"caf\xc3\xa9\"", "\"\\n\xc3\"", `"\/\b\f\n\r\t\\\""`, `{}`, `[]`, `[ ]`, `{ }`,
	`{"a":1,"a":2}`, `{"a":{"b":[1,{"c":null}]}}`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `[1 2]`,
	`{"a":1}}`, `{"a":1}]`, `[1]]`, `{"a":1} x`, `{"a":1} {}`, " {\"a\" :\n[true , false]}\r\n\t",
	`[[[[[[[[[[]]]]]]]]]]`, `"unterminated`, `{"a":1`, `[1`, "\x00", `"\u0000"`, `{"":""}`, `1 2`,
}

func fuzzSeedFiles(f *testing.F) {
	for _, pattern := range []string{"testdata/seeds/*.json", "testdata/load/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// FuzzDecodeMatchesEncodingJSON: whenever the fast decoder accepts a body,
// encoding/json accepts it too and builds an equal tree; the fast decoder
// declines only what encoding/json rejects or nests deeper than it goes, and
// what parsers read differently (bytes not UTF-8, a member given twice),
// which the validator reports from encoding/json's tree. The
// same holds when the tree is built from an arena that decoded the previous
// inputs.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	fuzzSeedFiles(f)
	for _, s := range oddJSON {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("["), maxFastDepth+1))
	f.Add([]byte(string(bytes.Repeat([]byte("["), maxFastDepth+1)) + string(bytes.Repeat([]byte("]"), maxFastDepth+1))))
	arena := new(treeArena)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := fastDecode(body, nil)
		want, err := decodeStd(body)
		fromArena, arenaOK := fastDecode(body, arena)
		if arenaOK != ok || !reflect.DeepEqual(fromArena, got) {
			t.Fatalf("from an arena, %q gives %#v, %v; want %#v, %v", body, fromArena, arenaOK, got, ok)
		}
		arena.recycle()
		if ok {
			if err != nil {
				t.Fatalf("fast decoder accepted %q, encoding/json: %v", body, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("trees differ for %q:\nfast %#v\njson %#v", body, got, want)
			}
			return
		}
		_, twice := jsonlimit.Duplicate(body)
		if err == nil && json.Valid(body) && nesting(body) <= maxFastDepth && utf8.Valid(body) && !twice {
			t.Fatalf("fast decoder declined valid %q", body)
		}
	})
}

// nesting returns the deepest nesting of brackets outside strings.
func nesting(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

func TestDecodeKeepsErrorMessages(t *testing.T) {
	for _, s := range oddJSON {
		got, gotErr := decode([]byte(s), nil)
		want, wantErr := decodeStd([]byte(s))
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("%q: error %v, want %v", s, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %#v, want %#v", s, got, want)
		}
	}
}

// TestTreeArenaLendsClearedMapsAndSlices decodes bodies one after another from
// one arena, bodies of one shape and of others, and checks each tree against
// encoding/json's, and that a tree kept aside (a copy, as a report would keep
// strings) is not changed by the next decode.
func TestTreeArenaLendsClearedMapsAndSlices(t *testing.T) {
	bodies := []string{
		`{"a":{"b":[1,2,3],"c":"x","d":{"e":null}},"f":[{"g":1},{"h":2}]}`,
		`{"a":{"b":[4],"c":"y"},"f":[{"g":1,"x":[]}]}`,
		`{"a":{"b":[5,6,7,8,9],"z":true,"d":{}},"f":[]}`,
		`[[1,2],[3],{"k":"v"},[],{}]`,
		`{"a":{"b":[1,2,3],"c":"x","d":{"e":null}},"f":[{"g":1},{"h":2}]}`,
		`{"a":{"b":[1,2,3],"c":"x","d":{"e":null}},"f":[{"g":1},{"h":2}]}`,
		`"scalar"`,
		`{"a":{"b":[1,2],"c":"w","d":{"e":1,"e2":2}},"f":[{"g":3},{"h":4},{"i":5}]}`,
	}
	arena := new(treeArena)
	for i, body := range bodies {
		want, err := decodeStd([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := decode([]byte(body), arena)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("body %d: %#v, want %#v", i, got, want)
		}
		arena.recycle()
	}
}

// TestTreeArenaIsBounded: a huge map or slice is not kept for reuse, and
// the arena keeps no more maps and slices than its bounds.
func TestTreeArenaIsBounded(t *testing.T) {
	list := func(n int, elem func(i int) string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(elem(i))
		}
		return b.String()
	}
	for _, tc := range []struct {
		name         string
		body         string
		maps, slices int
	}{
		{"a huge map", `{"big":{` + list(1000, func(i int) string { return fmt.Sprintf(`"k%d":%d`, i, i) }) + `}}`, 1, 0},
		{"a huge slice", `[[` + list(1000, strconv.Itoa) + `]]`, 0, 1},
		{"many maps and slices", `[` + list(1000, func(int) string { return `{"a":[1]}` }) + `]`, maxKeptMaps, maxKeptSlices},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arena := new(treeArena)
			if _, err := decode([]byte(tc.body), arena); err != nil {
				t.Fatal(err)
			}
			arena.recycle()
			if len(arena.maps) != tc.maps || len(arena.slices) != tc.slices {
				t.Errorf("the arena keeps %d maps and %d slices, want %d and %d", len(arena.maps), len(arena.slices), tc.maps, tc.slices)
			}
			for _, m := range arena.maps {
				if len(m) != 0 {
					t.Errorf("a kept map has %d entries", len(m))
				}
			}
		})
	}
}
