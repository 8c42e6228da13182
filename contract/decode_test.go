package contract

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
// declines only what encoding/json rejects or nests deeper than it goes.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	fuzzSeedFiles(f)
	for _, s := range oddJSON {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("["), maxFastDepth+1))
	f.Add([]byte(string(bytes.Repeat([]byte("["), maxFastDepth+1)) + string(bytes.Repeat([]byte("]"), maxFastDepth+1))))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := fastDecode(body)
		want, err := decodeStd(body)
		if ok {
			if err != nil {
				t.Fatalf("fast decoder accepted %q, encoding/json: %v", body, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("trees differ for %q:\nfast %#v\njson %#v", body, got, want)
			}
			return
		}
		if err == nil && json.Valid(body) && nesting(body) <= maxFastDepth {
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
		got, gotErr := decode([]byte(s))
		want, wantErr := decodeStd([]byte(s))
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("%q: error %v, want %v", s, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %#v, want %#v", s, got, want)
		}
	}
}
