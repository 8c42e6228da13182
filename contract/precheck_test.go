package contract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/taskmock/taskmock/specs"
)

func TestPrecheckCompilesForEverySchema(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for api, m := range v.apis {
		for name, bs := range m.schemas {
			if bs.pre == nil {
				t.Errorf("%s %s: no precheck", api, name)
			}
		}
	}
}

// precheckPalette is what the mutations of FuzzPrecheckAgreesWithLibrary put
// into bodies: the edges of types, enums, ranges and date formats.
var precheckPalette = []any{
	nil, true, false, "", "x", "1", "ASSIGNED", "assigned", "COMPLETED", "CLAIMED", "EXPIRED", "USER", "APPCLIENT",
	"GROUP", "ROLE", "self", "new", "2024-08-13T07:46:16.582Z", "2024-08-13T07:46:16.582+00:00", "2024-08-13T07:46:16",
	"2024-02-30T07:46:16Z", "2025-09-26T23:13:17Z", "2025-09-26 23:13:17", "2024-08-13T07:46:16.582+0000",
	json.Number("0"), json.Number("1"), json.Number("2"), json.Number("3"), json.Number("4"), json.Number("-1"),
	json.Number("1.0"), json.Number("1e0"), json.Number("2E0"), json.Number("-0"), json.Number("99"), json.Number("100"),
	json.Number("600"), json.Number("601"), json.Number("600.5"), json.Number("2147483647"), json.Number("2147483648"),
	json.Number("-2147483649"), json.Number("99999999999999999999"), json.Number("1.5"), json.Number("1e400"),
	map[string]any{}, []any{}, map[string]any{"href": "h", "rel": "self"}, map[string]any{"type": "USER"},
	[]any{"a"}, []any{json.Number("1")}, map[string]any{"message": "m"},
}

// slot is a place in a decoded tree that a mutation can change.
type slot struct {
	m map[string]any
	k string
	a []any
	i int
}

func slots(v any, out []slot) []slot {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, slot{m: x, k: k})
			out = slots(x[k], out)
		}
	case []any:
		for i := range x {
			out = append(out, slot{a: x, i: i})
			out = slots(x[i], out)
		}
	}
	return out
}

// fresh returns a copy of a palette value, so that mutations never change
// the palette or make a tree contain itself.
func fresh(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = fresh(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = fresh(e)
		}
		return a
	}
	return v
}

func (s slot) set(v any) {
	if s.m != nil {
		s.m[s.k] = v
	} else {
		s.a[s.i] = v
	}
}

func (s slot) get() any {
	if s.m != nil {
		return s.m[s.k]
	}
	return s.a[s.i]
}

func propertyNames(p *precheck, seen map[*precheck]bool, out map[string]bool) {
	if p == nil || seen[p] {
		return
	}
	seen[p] = true
	for k, c := range p.props {
		out[k] = true
		propertyNames(c, seen, out)
	}
	propertyNames(p.items, seen, out)
	for _, c := range p.allOf {
		propertyNames(c, seen, out)
	}
}

// FuzzPrecheckAgreesWithLibrary: whenever the precheck vouches for a body,
// the library's compiled schema finds no violation in it. The bodies are the
// fuzzed bytes when they are JSON, else a seed, changed by the ops bytes:
// fields dropped, added and replaced by values of precheckPalette.
func FuzzPrecheckAgreesWithLibrary(f *testing.F) {
	v, err := New()
	if err != nil {
		f.Fatal(err)
	}
	type target struct {
		bs   *bodySchema
		seed []byte
	}
	esri, err := os.ReadFile(filepath.Join("testdata", "seeds", "esri-getTask-example.json"))
	if err != nil {
		f.Fatal(err)
	}
	oracle, err := os.ReadFile(filepath.Join("testdata", "seeds", "oracle-get-task-example.json"))
	if err != nil {
		f.Fatal(err)
	}
	esriErr := []byte(`{"error":{"code":498,"message":"Invalid token.","details":["a"]},"success":false}`)
	oracleErr := []byte(`{"type":"t","title":"x","status":404,"detail":"Task not found","o:errorCode":"404"}`)
	targets := []target{
		{v.apis[specs.Esri].schemas[esriSuccessSchema], esri},
		{v.apis[specs.Esri].schemas[esriErrorSchema], esriErr},
		{v.apis[specs.Oracle].schemas[oracleTaskSchema], oracle},
		{v.apis[specs.Oracle].schemas[oracleErrorSchema], oracleErr},
	}
	names := map[string]bool{}
	for _, tg := range targets {
		propertyNames(tg.bs.pre, map[*precheck]bool{}, names)
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	for i := range targets {
		f.Add(uint8(i), []byte(nil), []byte(nil))
		f.Add(uint8(i), []byte(nil), []byte{1, 3, 7})
		f.Add(uint8(i), []byte(nil), []byte{0, 5, 0, 1, 9, 30, 2, 4, 12})
	}
	f.Add(uint8(2), []byte(`{"priority":1.0,"links":[{"href":"h","rel":"r","code":100}]}`), []byte(nil))
	f.Add(uint8(2), []byte(`{"createdBy":{"type":"ROLE"},"candidateGroups":[{"type":"USER"}]}`), []byte(nil))
	f.Fuzz(func(t *testing.T, which uint8, body, ops []byte) {
		tg := targets[int(which)%len(targets)]
		data, err := decode(body, nil)
		if err != nil {
			data, _ = decode(tg.seed, nil)
		}
		for n := 0; len(ops) >= 3 && n < 64; n++ {
			op, a, b := ops[0], int(ops[1]), int(ops[2])
			ops = ops[3:]
			ss := slots(data, nil)
			val := fresh(precheckPalette[b%len(precheckPalette)])
			switch op % 4 {
			case 0: // drop a field or replace an element by null
				if len(ss) > 0 {
					if s := ss[a%len(ss)]; s.m != nil {
						delete(s.m, s.k)
					} else {
						s.set(nil)
					}
				}
			case 1: // replace a value
				if len(ss) == 0 {
					data = val
				} else {
					ss[a%len(ss)].set(val)
				}
			case 2: // add a documented property to an object
				objs := []map[string]any{}
				if m, ok := data.(map[string]any); ok {
					objs = append(objs, m)
				}
				for _, s := range ss {
					if m, ok := s.get().(map[string]any); ok {
						objs = append(objs, m)
					}
				}
				if len(objs) > 0 {
					objs[a%len(objs)][keys[b%len(keys)]] = fresh(precheckPalette[(a+b)%len(precheckPalette)])
				}
			case 3: // wrap a value in an array
				if len(ss) > 0 {
					s := ss[a%len(ss)]
					s.set([]any{s.get()})
				}
			}
		}
		if tg.bs.pre.valid(data) {
			if err := tg.bs.compiled.Validate(data); err != nil {
				b, _ := json.Marshal(data)
				t.Fatalf("precheck vouched for %s, library: %v", b, err)
			}
		}
	})
}

// TestPrecheck: the precheck vouches for documented bodies, and for each
// body it vouches for, the library finds no violation; it declines the
// bodies the library rejects and those it cannot judge alone.
func TestPrecheck(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	oracle := v.apis[specs.Oracle].schemas[oracleTaskSchema]
	esri := v.apis[specs.Esri].schemas[esriSuccessSchema]
	esriErr := v.apis[specs.Esri].schemas[esriErrorSchema]
	for _, tc := range []struct {
		name  string
		bs    *bodySchema
		body  string
		vouch bool
	}{
		{"oracle empty", oracle, `{}`, true},
		{"oracle fields", oracle, `{"id":"1","state":"ASSIGNED","priority":2,"createdDate":"2024-08-13T07:46:16.582+00:00","tags":[1,null,{}],"links":[{"href":"h","rel":"self","code":600,"length":2147483647}]}`, true},
		{"oracle identities", oracle, `{"createdBy":{"type":"APPCLIENT","x":1},"candidateGroups":[{"type":"ROLE"}],"assignee":{"type":"anything"}}`, true},
		{"enum case", oracle, `{"state":"assigned"}`, false},
		{"enum type", oracle, `{"priority":"1"}`, false},
		{"enum out", oracle, `{"priority":4}`, false},
		{"integer 1.0", oracle, `{"priority":1.0}`, false},
		{"maximum", oracle, `{"links":[{"href":"h","rel":"r","code":601}]}`, false},
		{"minimum", oracle, `{"links":[{"href":"h","rel":"r","code":99}]}`, false},
		{"int32", oracle, `{"links":[{"href":"h","rel":"r","length":2147483648}]}`, false},
		{"required in items", oracle, `{"links":[{"href":"h"}]}`, false},
		{"allOf enum", oracle, `{"createdBy":{"type":"GROUP"}}`, false},
		{"null", oracle, `{"id":null}`, false},
		{"date", oracle, `{"dueDate":"2024-02-30T00:00:00Z"}`, false},
		{"not an object", oracle, `[]`, false},
		{"esri error", esriErr, `{"error":{"code":498,"message":"Invalid token.","details":[]}}`, true},
		{"esri error code", esriErr, `{"error":{"code":"498","message":"m"}}`, false},
		{"esri empty date", esri, `{"success":true,"task":{"taskWorkId":"","taskOperationId":"","workflowJobId":"","statusCode":0,"status":"new","startOn":"","endOn":"2025-09-30T23:13:17Z","startedOn":"","endedOn":"","duration":1.5,"levelOfEffort":24,"assignTo":"","isRework":false,"taskOrder":1}}`, true},
		{"esri missing", esri, `{"success":true,"task":{}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := decode([]byte(tc.body), nil)
			if err != nil {
				t.Fatal(err)
			}
			libErr := tc.bs.compiled.Validate(data)
			if got := tc.bs.pre.valid(data); got != tc.vouch {
				t.Errorf("precheck %v, want %v (library: %v)", got, tc.vouch, libErr)
			}
			if tc.vouch && libErr != nil {
				t.Errorf("the library rejects a body the precheck vouches for: %v", libErr)
			}
		})
	}
	for _, tc := range []struct {
		bs   *bodySchema
		file string
	}{{oracle, "oracle-get-task-example.json"}, {esri, "esri-getTask-example.json"}} {
		b, err := os.ReadFile(filepath.Join("testdata", "seeds", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := decode(b, nil)
		if !tc.bs.pre.valid(data) {
			t.Errorf("%s: the precheck does not vouch for the seed", tc.file)
		}
	}
}
