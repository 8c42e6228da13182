package proxy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

// fuzzPrimer is the first body of every fuzzed recording: it names the
// people that no later body may leak.
const fuzzPrimer = `{"id":"t0","createdBy":{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","name":"mathieu.moreau","type":"USER"},` +
	`"assignee":{"id":"a8098c1a-f86e-11da-bd1a-00112444be1e","name":"zoe.oconnor","type":"USER"},"description":"bob@example.com"}`

// fuzzLeak finds a primed person as a whole word (no letter, digit or mark
// around it), in any letter case.
var fuzzLeak = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}\p{M}])(?:mathieu\s+moreau|moreau,\s+mathieu|mathieu\.moreau|zo[eë]\s+o'?connor|zoe\.oconnor|` +
	`7c9e6679-7425-40de-944b-e07fc1f90ae7|a8098c1a-f86e-11da-bd1a-00112444be1e)(?:$|[^\p{L}\p{N}\p{M}])`)

// atForms are the spellings of "@" the anonymizer knows.
var atForms = strings.NewReplacer("%40", "@", `\u0040`, "@", `\U0040`, "@", "&#64;", "@", "&#x40;", "@", "&#X40;", "@")

// FuzzAnonymize: any body gives a body or a bound error, never a panic; a
// JSON body stays JSON; and no person of an earlier body is left, in any
// string the anonymizer does not keep by rule (the values of ids and
// enumerations, links, and groups' and System's names).
func FuzzAnonymize(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "contract", "testdata", "seeds", "esri-getTask-example.json")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		`{"links":[{"href":"http://h/process/api/v1/tasks/1","rel":"self"}],"id":"1","title":"Mathieu Moreau","reason":{"user":{"id":"8100030d","name":"System"},` +
			`"candidateUsers":[{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","name":"mathieu.moreau"}],"candidateGroups":[{"id":"g","name":"Buyers","type":"GROUP"}]},` +
			`"createdBy":{"id":"c1","name":"erp-client","type":"APPCLIENT"},"state":"ASSIGNED"}`,
		`{"title":"Mathieu Moreau requests 25 × docking station","reasonText":"MOREAU, MATHIEU; mathieu.moreau's laptop"}`,
		`{"task":{"assignTo":"Zoë O'Connor"},"success":true}`,
		`cb({"summary":"bob%40example.com and bob\u0040example.com"});`,
		`<p>Mathieu&nbsp;Moreau &#64; 7C9E6679-7425-40DE-944B-E07FC1F90AE7</p>`,
		`{"Mathieu Moreau":[{"id":"x","name":"Zoe.OConnor"}],"links":[{"href":"/tasks/mathieu.moreau","rel":"self"}]}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"a":"Jean-Luc Picard","b":"E\u0301lodie"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a := newAnonymizer()
		a.salt = []byte("fuzz") // the same fakes, the same code paths, on every run
		if _, err := a.body([]byte(fuzzPrimer)); err != nil {
			t.Fatal(err)
		}
		out, err := a.body(in)
		if err != nil {
			if !errors.Is(err, jsonlimit.ErrTooDeep) && !errors.Is(err, jsonlimit.ErrTooLarge) {
				t.Fatalf("error %v", err)
			}
			return
		}
		var v any
		if json.Unmarshal(in, &v) == nil {
			if json.Unmarshal(out, &v) != nil {
				t.Fatalf("not JSON any more: %q", out)
			}
			fuzzCheckJSON(t, v, "", false)
			return
		}
		fuzzCheck(t, string(out))
	})
}

func fuzzCheck(t *testing.T, s string) {
	if fuzzLeak.MatchString(s) {
		t.Fatalf("a person is left: %q", s)
	}
	if strings.Contains(strings.ToLower(atForms.Replace(s)), "bob@example.com") {
		t.Fatalf("an address is left: %q", s)
	}
}

// fuzzCheckJSON checks the strings of a decoded body, but those kept by
// rule.
func fuzzCheckJSON(t *testing.T, v any, key string, kept bool) {
	switch x := v.(type) {
	case map[string]any:
		typ, _ := x["type"].(string)
		name, _ := x["name"].(string)
		group := slices.Contains(groupKeys, key) || strings.EqualFold(typ, "GROUP") || strings.EqualFold(typ, "ROLE") ||
			strings.EqualFold(name, systemUser)
		for k, c := range x {
			fuzzCheck(t, k)
			fuzzCheckJSON(t, c, k, group && (k == "id" || k == "name"))
		}
	case []any:
		for _, c := range x {
			fuzzCheckJSON(t, c, key, false)
		}
	case string:
		if !kept && !slices.Contains(keptKeys, key) && key != "href" {
			fuzzCheck(t, x)
		}
	}
}
