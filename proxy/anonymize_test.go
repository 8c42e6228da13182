package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/specs"
)

// strs returns every string of a JSON document, keys included, decoded,
// one a line; a body that is not JSON is returned as it is.
func strs(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	var out strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				out.WriteString(k + "\n")
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		case string:
			out.WriteString(x + "\n")
		}
	}
	walk(v)
	return out.String()
}

// pointer returns the string at a JSON pointer of b.
func pointer(t *testing.T, b []byte, ptr string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	for _, p := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			require.NoError(t, err)
			v = x[i]
		}
	}
	s, ok := v.(string)
	require.True(t, ok, "%s is %T in %s", ptr, v, b)
	return s
}

func TestAnonymizeBodies(t *testing.T) {
	const (
		moreauID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
		bobID    = "20c0862f-fd35-40ca-a70d-03d0faac45a9"
		clientID = "9b2f8e11-6a1d-4c3e-8f0a-2d7e5b1c9a44"
		groupID  = "5d1c2b3a-0f9e-4d8c-b7a6-1e2f3a4b5c6d"
		systemID = "8100030d-f312-4204-8f37-bd4d1c779ddb"
	)
	moreau := `{"id":"` + moreauID + `","name":"mathieu.moreau","type":"USER"}`
	bob := `{"id":"` + bobID + `","name":"bob","type":"USER"}`
	cases := []struct {
		name   string
		bodies []string          // recorded in this order by one anonymizer
		gone   []string          // in no output, in any letter case
		kept   []string          // in the last output
		want   map[string]string // strings at JSON pointers of the last output
		check  func(t *testing.T, out []byte)
	}{
		{name: "display name in free text, before the identity",
			bodies: []string{`{"id":"t1","title":"Mathieu Moreau requests 25 × docking station from Acme GmbH","description":"Requested by Moreau, Mathieu.","createdBy":` + moreau + `}`},
			gone:   []string{"Mathieu Moreau", "Moreau, Mathieu", "mathieu.moreau", moreauID},
			kept:   []string{" requests 25 × docking station from Acme GmbH", "Requested by "},
			want:   map[string]string{"/title": "user1 requests 25 × docking station from Acme GmbH", "/createdBy/name": "user1"}},
		{name: "display name in upper case",
			bodies: []string{`{"id":"t1","reasonText":"ESCALATED TO MATHIEU MOREAU BY SYSTEM","assignee":` + moreau + `}`},
			gone:   []string{"MATHIEU MOREAU"},
			want:   map[string]string{"/reasonText": "ESCALATED TO user1 BY SYSTEM"}},
		{name: "accents and umlauts, spelled any way",
			bodies: []string{`{"id":"t1","assignee":{"id":"a1b2c3d4e5","name":"juergen.mueller","type":"USER"},"createdBy":{"id":"f6e5d4c3b2","name":"elodie.lefevre","type":"USER"},` +
				`"title":"Jürgen Müller, Juergen Mueller, JURGEN MULLER and Jürgen  Müller","description":"Élodie Lefèvre (LEFÈVRE, ÉLODIE) and E\u0301lodie Lefe\u0300vre"}`},
			gone: []string{"Jürgen Müller", "Juergen Mueller", "JURGEN MULLER", "Jürgen  Müller", "Élodie Lefèvre", "LEFÈVRE, ÉLODIE", "E\u0301lodie"},
			want: map[string]string{"/title": "user1, user1, user1 and user1", "/description": "user2 (user2) and user2"}},
		{name: "login inside a longer string, in a later body",
			bodies: []string{`{"task":{"taskOperationId":"F6208AD7-D10C-4E1C-AB8A-6CA429AD559C","assignTo":"mmoreau"},"success":true}`,
				`{"id":"t2","title":"Replace mmoreau's laptop","description":"mmoreau: done; xmmoreau stays"}`},
			gone: []string{"mmoreau's", "mmoreau:"},
			kept: []string{"xmmoreau stays"},
			want: map[string]string{"/title": "Replace user1's laptop"}},
		{name: "display name and e-mail given by the identity object",
			bodies: []string{`{"id":"t1","fromUser":{"id":"` + bobID + `","name":"mmoreau","type":"USER","displayName":"Mathieu Moreau","email":"m.moreau@corp.example"},` +
				`"title":"For MATHIEU MOREAU","description":"mail M.Moreau%40CORP.EXAMPLE"}`,
				`{"id":"t2","title":"Moreau, Mathieu approved"}`},
			gone: []string{"Mathieu Moreau", "MATHIEU MOREAU", "Moreau, Mathieu", "m.moreau", "M.Moreau"},
			want: map[string]string{"/title": "user1 approved"}},
		{name: "display name across bodies",
			bodies: []string{`{"id":"t1","createdBy":` + moreau + `}`, `{"id":"t2","title":"Approve the leave of Mathieu Moreau"}`},
			gone:   []string{"Mathieu Moreau"},
			want:   map[string]string{"/title": "Approve the leave of user1"}},
		{name: "e-mail percent-encoded",
			bodies: []string{`{"id":"t1","createdBy":` + bob + `,"description":"see mailto:bob%40example.com and BOB%40EXAMPLE.COM and bob%2Btag%40example.com"}`},
			gone:   []string{"bob%40", "bob%2b"},
			want:   map[string]string{"/description": "see mailto:user1%40example.com and user1%40example.com and user1%40example.com"}},
		{name: "e-mail without a dot in the domain",
			bodies: []string{`{"id":"t1","reason":{"comment":"sent to user@localhost and root@LOCALHOST."}}`},
			gone:   []string{"user@localhost", "root@"},
			want:   map[string]string{"/reason/comment": "sent to user1@example.com and user2@example.com."}},
		{name: "e-mail JSON-escaped, and in a doubly encoded payload",
			bodies: []string{`{"id":"t1","createdBy":` + bob + `,"description":"bob\u0040example.com","summary":"{\"to\":\"bob\\u0040example.com\"}"}`},
			gone:   []string{"bob@", `bob\u0040`},
			want:   map[string]string{"/description": "user1@example.com", "/summary": `{"to":"user1\u0040example.com"}`}},
		{name: "a person's login, e-mail address and id share one number",
			bodies: []string{`{"id":"t1","summary":"Bob@Example.com asked","createdBy":` + bob + `,"fromUser":{"id":"` + moreauID + `","name":"Mathieu.Moreau@corp.example.org","type":"USER"},"reasonText":"Mathieu Moreau, mathieu.moreau, ` + strings.ToUpper(bobID) + `"}`},
			gone:   []string{"bob", "Mathieu", bobID},
			want:   map[string]string{"/summary": "user1@example.com asked", "/createdBy/name": "user1", "/fromUser/name": "user2@example.com"},
			check: func(t *testing.T, out []byte) {
				id := pointer(t, out, "/createdBy/id")
				assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`, id, "a UUID stays a UUID")
				assert.Equal(t, "user2, user2, "+strings.ToUpper(id), pointer(t, out, "/reasonText"), "an id in text in upper case")
			}},
		{name: "application clients are all replaced, with or without type",
			bodies: []string{`{"id":"t1","reason":{"user":{"id":"` + clientID + `","name":"erp-integration-client"}},"reasonText":"Task initiated by erp-integration-client","createdBy":{"id":"` + clientID + `","name":"erp-integration-client","type":"APPCLIENT"}}`},
			gone:   []string{"erp-integration-client", clientID},
			want: map[string]string{"/createdBy/name": "client1", "/reason/user/name": "client1", "/reasonText": "Task initiated by client1",
				"/createdBy/type": "APPCLIENT"}},
		{name: "groups, roles and System are kept",
			bodies: []string{`{"id":"t1","candidateGroups":[{"id":"` + groupID + `","name":"Finance Approvers","type":"GROUP"}],"reason":{"user":{"id":"` + systemID + `","name":"System"},"candidateGroups":[{"id":"g2","name":"Deal Desk"}]},"reasonText":"Task got expired by System"}`},
			kept:   []string{groupID, "Finance Approvers", systemID, `"name":"System"`, "Deal Desk", "by System"}},
		{name: "ids, links and enumerations are kept",
			bodies: []string{`{"links":[{"href":"http://h/process/api/v1/tasks/bob-1/comments?by=bob","rel":"self","type":"bob"}],"id":"bob-1","state":"ASSIGNED","createdBy":` + bob + `}`},
			kept:   []string{`/tasks/bob-1/comments?by=user1"`, `"id":"bob-1"`, `"state":"ASSIGNED"`, `"type":"bob"`}},
		{name: "apostrophes and hyphens inside names",
			bodies: []string{`{"id":"t1","createdBy":{"id":"a1b2c3d4e5","name":"zoe.oconnor","type":"USER"},"assignee":{"id":"f6e5d4c3b2","name":"jeanluc.picard","type":"USER"},` +
				`"title":"Zoë O'Connor, O’Connor, Zoë and Jean-Luc Picard","description":"Demande d'Élodie; zoe.oconnor's laptop"}`},
			gone: []string{"Zoë O'Connor", "O’Connor, Zoë", "Jean-Luc Picard", "oconnor's"},
			want: map[string]string{"/title": "user1, user1 and user2", "/description": "Demande d'Élodie; user1's laptop"}},
		{name: "a key naming a person",
			bodies: []string{`{"id":"t1","createdBy":` + bob + `,"votes":{"bob":1}}`},
			kept:   []string{`"votes":{"user1":1}`}},
		{name: "JSONP keeps its callback",
			bodies: []string{`/**/cb({"task":{"taskOperationId":"A","assignTo":"mmoreau"},"success":true});`},
			gone:   []string{"mmoreau"},
			kept:   []string{`/**/cb({"task":{"taskOperationId":"A","assignTo":"user1"},"success":true});`}},
		{name: "a reassignment's identity without a type is a user",
			bodies: []string{`{"id":"t1","assignee":{"id":"` + moreauID + `","name":"mathieu.moreau","type":"USER"}}`,
				`{"identities":[{"id":"mathieu.moreau"},{"id":"jdoe"},{"id":"Finance Approvers","type":"GROUP"}],"comment":"from jdoe"}`},
			gone: []string{"mathieu.moreau", "jdoe"},
			kept: []string{`{"id":"Finance Approvers","type":"GROUP"}`}},
		{name: "a user a request names by its login alone",
			bodies: []string{`{"taskIds":["t1"],"identities":[{"id":"bob.jones","type":"USER"}],"comment":"Bob Jones, or JONES, BOB, takes over"}`},
			gone:   []string{"bob.jones", "Bob Jones", "Jones, Bob"},
			kept:   []string{`"taskIds":["t1"]`, ", takes over"}},
		{name: "a body that is not JSON: known people and every address",
			bodies: []string{`{"id":"t1","createdBy":` + moreau + `}`, `<html><td>assignTo</td><td>Mathieu Moreau</td> alice&#64;corp.example.org</html>`},
			gone:   []string{"Mathieu Moreau", "alice"},
			kept:   []string{`<td>user1</td> user2&#64;example.com</html>`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAnonymizer()
			var out []byte
			for _, in := range c.bodies {
				var err error
				out, err = a.body([]byte(in))
				require.NoError(t, err)
				if json.Valid([]byte(in)) {
					require.True(t, json.Valid(out), "%s", out)
				}
				for _, g := range c.gone {
					for _, s := range []string{string(out), strs(t, out)} {
						assert.NotContains(t, strings.ToLower(s), strings.ToLower(g))
					}
				}
			}
			for _, k := range c.kept {
				assert.Contains(t, string(out), k)
			}
			for ptr, want := range c.want {
				assert.Equal(t, want, pointer(t, out, ptr), ptr)
			}
			if c.check != nil {
				c.check(t, out)
			}
		})
	}
}

// words returns the words of s, spelled by asciiName, between spaces.
func words(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, w := range strings.FieldsFunc(s, notAlnum) {
		b.WriteString(asciiName(w, false))
		b.WriteByte(' ')
	}
	return b.String()
}

// TestAnonymizeGeneratedTasks records realistic tasks of many seeds, in
// four languages, naming 1,000 people: every anonymized task still passes
// the strict contract, the same person always gets the same fake and two
// people two fakes, and no person an identity has named (in this body or
// an earlier one) is left: not by id, login, display name or address.
func TestAnonymizeGeneratedTasks(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 300
	}
	pool, bodies := newCorpus(t, n, 1000)
	v, err := contract.New(contract.Strict(true))
	require.NoError(t, err)
	validate := func(b corpusBody, body []byte) []contract.Violation {
		return v.Validate(contract.Exchange{API: b.api, Request: &contract.Request{Method: http.MethodGet, URL: b.path},
			Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}).Violations
	}
	a := newAnonymizer()
	// Who the anonymizer can know: an Oracle identity gives a person's id
	// and login, Esri's assignTo its Esri login only.
	known := map[specs.Name]map[int]bool{specs.Oracle: {}, specs.Esri: {}}
	fakes := map[string]string{} // real login to fake
	reals := map[string]string{} // fake to real login
	var checked, unknown int
	for k, b := range bodies {
		require.Empty(t, validate(b, b.body), "the generated body %d", k)
		out, err := a.body(b.body)
		require.NoError(t, err)
		require.Empty(t, validate(b, out), "the anonymized body %d: %s", k, out)

		for _, i := range b.named {
			known[b.api][i] = true
		}
		text := words(strs(t, out))
		for _, i := range append(b.named, b.mentioned...) {
			p := pool[i]
			var real []string
			if known[specs.Oracle][i] {
				real = append(real, p.display, p.login, p.id, p.mail)
			}
			if known[specs.Esri][i] {
				real = append(real, p.esri)
			}
			if real == nil {
				unknown++
				continue
			}
			checked++
			for _, s := range real {
				require.NotContains(t, text, words(s), "body %d leaks %q: %s", k, s, out)
			}
		}

		if b.api == specs.Oracle {
			var in, got fixtures.OracleTask
			require.NoError(t, json.Unmarshal(b.body, &in))
			require.NoError(t, json.Unmarshal(out, &got))
			ins, outs := identities(&in), identities(&got)
			require.Len(t, outs, len(ins))
			for j := range ins {
				real, fake := ins[j].Name, outs[j].Name
				if f, ok := fakes[real]; ok {
					require.Equal(t, f, fake, "%s in body %d", real, k)
				}
				if r, ok := reals[fake]; ok {
					require.Equal(t, r, real, "%s in body %d", fake, k)
				}
				fakes[real], reals[fake] = fake, real
			}
		}
	}
	assert.Greater(t, checked, n, "people checked")
	t.Logf("%d bodies, %d people known, %d mentions checked, %d mentions of people no identity had named yet", n, len(known[specs.Oracle]), checked, unknown)
}

func TestAnonymizeDepth(t *testing.T) {
	deep := func(n int) []byte { return []byte(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"at the limit", deep(jsonlimit.DefaultMaxDepth), nil},
		{"one past the limit", deep(jsonlimit.DefaultMaxDepth + 1), jsonlimit.ErrTooDeep},
		{"9 MB of brackets", bytes.Repeat([]byte("["), 9<<20), jsonlimit.ErrTooDeep},
		{"deep objects", []byte(strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)), jsonlimit.ErrTooDeep},
		{"deep JSONP", []byte("cb(" + string(deep(1000)) + ")"), jsonlimit.ErrTooDeep},
		{"too large", append(append([]byte(`"`), bytes.Repeat([]byte("a"), jsonlimit.DefaultMaxBytes)...), '"'), jsonlimit.ErrTooLarge},
		{"brackets in text are text", []byte("<pre>" + strings.Repeat("[", 1000) + "</pre>"), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := newAnonymizer().body(c.in)
			if c.want == nil {
				require.NoError(t, err)
				assert.Equal(t, string(c.in), string(out))
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, c.want), "%v", err)
			assert.Nil(t, out)
		})
	}
}

// TestOrderedDepth: the ordered decoder and encoder stop at the depth
// jsonlimit allows, whoever calls them.
func TestOrderedDepth(t *testing.T) {
	for _, n := range []int{1, orderedMaxDepth, orderedMaxDepth + 1, 100_000} {
		dec := json.NewDecoder(strings.NewReader(strings.Repeat("[", n) + strings.Repeat("]", n)))
		v, err := decodeOrdered(dec)
		if n > orderedMaxDepth {
			require.ErrorIs(t, err, jsonlimit.ErrTooDeep, "depth %d", n)
			continue
		}
		require.NoError(t, err, "depth %d", n)
		var buf bytes.Buffer
		require.NoError(t, encodeOrdered(&buf, v))
		assert.Equal(t, n*2, buf.Len())
	}
	var v any = []any{}
	for range orderedMaxDepth {
		v = []any{v}
	}
	require.ErrorIs(t, encodeOrdered(&bytes.Buffer{}, v), jsonlimit.ErrTooDeep)
}
