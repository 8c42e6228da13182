package secrets_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/secrets"
)

func TestRedactForms(t *testing.T) {
	const tok = "abc/def+ghi="
	lowerHex := func(s string) string {
		// Lower-case the hex digits of each %XX.
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && i+2 < len(s) {
				b.WriteString(strings.ToLower(s[i : i+3]))
				i += 2
				continue
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	goJSON := func(s string) string {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		return string(b)
	}
	allU := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, "\\u%04x", r)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, secret, text, want string
	}{
		{"as sent", tok, "token " + tok, "token REDACTED"},
		{"inside a longer string", tok, "x" + tok + "y", "xREDACTEDy"},
		{"twice", tok, tok + " and " + tok, "REDACTED and REDACTED"},
		{"JSON-escaped slash", tok, `{"t":"abc\/def+ghi="}`, `{"t":"REDACTED"}`},
		{"JSON \\u escape of +", tok, `"abc/def\u002bghi="`, `"REDACTED"`},
		{"JSON \\u escape, upper-case hex", tok, `"abc\u002Fdef\u002Bghi\u003D"`, `"REDACTED"`},
		{"every character \\u-escaped", tok, `"` + allU(tok) + `"`, `"REDACTED"`},
		{"Go HTML escaping", "a&b<c>d-1", goJSON("a&b<c>d-1"), `"REDACTED"`},
		{"JSON quote and backslash", `q"ot\e-12`, goJSON(`q"ot\e-12`), `"REDACTED"`},
		{"non-ASCII JSON-escaped", "pässwörd1", `p\u00e4ssw\u00f6rd1`, "REDACTED"},
		{"non-ASCII percent-encoded", "pässwörd1", url.QueryEscape("pässwörd1"), "REDACTED"},
		{"astral JSON surrogate pair", "key😀key", `key\ud83d\ude00key`, "REDACTED"},
		{"QueryEscape, upper-case hex", tok, "?token=" + url.QueryEscape(tok) + "&x=1", "?token=REDACTED&x=1"},
		{"QueryEscape, lower-case hex", tok, "seen " + lowerHex(url.QueryEscape(tok)), "seen REDACTED"},
		{"PathEscape", tok, "/a/" + url.PathEscape(tok) + "/b", "/a/REDACTED/b"},
		{"PathEscape, lower-case hex", "a b/c:d", "/x/" + lowerHex(url.PathEscape("a b/c:d")), "/x/REDACTED"},
		{"+ for a space", "my secret value", "q=my+secret+value", "q=REDACTED"},
		{"every byte percent-encoded", "s3cr3t", "%73%33%63%72%33%74", "REDACTED"},
		{"HTML character references", tok, "abc&#x2F;def&#43;ghi&#61;", "REDACTED"},
		{"XML named reference", "a&b-cdef", "<x>a&amp;b-cdef</x>", "<x>REDACTED</x>"},
		{"cut: beginning at the end of the text", tok, "message: abc/def+g", "message: REDACTED"},
		{"cut: beginning before an ellipsis", tok, `found "abc/def+g…" here`, `found "REDACTED…" here`},
		{"cut: beginning before three dots", tok, `found abc\/def+...`, `found REDACTED...`},
		{"cut: escaped beginning at the end", tok, "x abc%2Fdef%2", "x REDACTED"},
		{"cut: end at the start of the text", tok, "def+ghi= and more", "REDACTED and more"},
		{"cut: end after an ellipsis", tok, "…/def+ghi= more", "…REDACTED more"},
		{"cut: piece shorter than MinPartial kept", tok, "x abc/d", "x abc/d"},
		{"cut: half the beginning before a quote", tok, `{"m":"seen abc/def+"}`, `{"m":"seen REDACTED"}`},
		{"cut: escaped beginning before a quote", tok, `{"m":"abc\/def+g"}`, `{"m":"REDACTED"}`},
		{"cut: less than half before a quote kept", "abcdef-0123456789", `{"m":"abcdef-0"}`, `{"m":"abcdef-0"}`},
		{"cut: a beginning inside the text is not a cut", tok, "abc/def+gX more", "abc/def+gX more"},
		{"percent-encoded twice", tok, "next=" + url.QueryEscape(url.QueryEscape(tok)), "next=REDACTED"},
		{"lower-cased whole", "Tok-AbCdEf-123", "echo tok-abcdef-123 done", "echo REDACTED done"},
		{"upper-cased whole", "Tok-AbCdEf-123", "ECHO TOK-ABCDEF-123", "ECHO REDACTED"},
		{"lower-cased, percent-encoded", "Bearer Tok/AbC+9", "h=" + strings.ToLower(url.QueryEscape("Bearer Tok/AbC+9")), "h=REDACTED"},
		{"percent-encoded three times, lower-case hex", tok, lowerHex(url.QueryEscape(url.QueryEscape(url.QueryEscape(tok)))), "REDACTED"},
		{"a literal %25 in the value still matches once-encoded", "a%25b-c1", url.QueryEscape("a%25b-c1"), "REDACTED"},
		{"base64", tok, "x " + base64.StdEncoding.EncodeToString([]byte(tok)) + " y", "x REDACTED y"},
		{"base64, URL alphabet, unpadded", tok, base64.RawURLEncoding.EncodeToString([]byte(tok)), "REDACTED"},
		{"JSON inside a JSON string", tok, `{"d":"{\\"t\\":\\"abc\\\/def+ghi=\\"}"}`, `{"d":"{\\"t\\":\\"REDACTED\\"}"}`},
		{"JSON inside a JSON string, raw slash", tok, `"abc\\/def+ghi="`, `"REDACTED"`},
		{"JSON inside a JSON string, \\u escape", tok, `"abc\\u002fdef\\u002bghi\\u003d"`, `"REDACTED"`},
		{"JSON inside a JSON string, quote", `q"ot-12`, `"q\\\"ot-12"`, `"REDACTED"`},
		{"value shorter than MinLen ignored", "abc", "abc abc", "abc abc"},
		{"the value in one letter case, lower", "Secret-Token", "secret-token", "REDACTED"},
		{"mixed case other than the value's is another value", "Secret-Token", "sECRET-tOKEN", "sECRET-tOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := secrets.New(tc.secret)
			assert.Equal(t, tc.want, s.Redact(tc.text))
			assert.Equal(t, tc.want, string(s.RedactBytes([]byte(tc.text))))
		})
	}
}

func TestRedactPatterns(t *testing.T) {
	// What is hidden whatever the Set holds: URL user-info and credential
	// parameters written in a text.
	for _, tc := range []struct{ name, text, want string }{
		{"user-info", "GET https://bob:hunter22@host/x failed", "GET https://REDACTED@host/x failed"},
		{"user name only", "http://bob@host/", "http://REDACTED@host/"},
		{"JSON-escaped URL", `"https:\/\/bob:pw@host\/x"`, `"https:\/\/REDACTED@host\/x"`},
		{"@ in the path is not user-info", "https://host/a@b", "https://host/a@b"},
		{"token parameter", "GET /x?f=json&token=zzzz&y=1", "GET /x?f=json&token=REDACTED&y=1"},
		{"names in any case", "/x?ACCESS_TOKEN=a1&Api_Key=b2", "/x?ACCESS_TOKEN=REDACTED&Api_Key=REDACTED"},
		{"after a JSON-escaped &", `"/x?f=json\u0026token=zzzz"`, `"/x?f=json\u0026token=REDACTED"`},
		{"form body", "token=abc&f=json", "token=REDACTED&f=json"},
		{"another parameter", "/x?keys=1&monkey=2&sign=3&taken=4", "/x?keys=1&monkey=2&sign=3&taken=4"},
		{"a parameter whose name holds a credential word", "/x?password=p1&client_secret=c1&refresh_token=r1&id_token=i1&X-Amz-Signature=s1&sig=g1&mytoken=m1",
			"/x?password=REDACTED&client_secret=REDACTED&refresh_token=REDACTED&id_token=REDACTED&X-Amz-Signature=REDACTED&sig=REDACTED&mytoken=REDACTED"},
		{"a long name is no parameter's", "/x?" + strings.Repeat("a", 80) + "token=1", "/x?" + strings.Repeat("a", 80) + "token=1"},
		{"ends at a colon", "GET /x?token=abc: 200 OK", "GET /x?token=REDACTED: 200 OK"},
		{"ends at Markdown's and JSON's punctuation", "`GET /x?token=abc` | [token=d] {token=e}",
			"`GET /x?token=REDACTED` | [token=REDACTED] {token=REDACTED}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s *secrets.Set
			assert.Equal(t, tc.want, s.Redact(tc.text))
			assert.Equal(t, tc.want, string(s.RedactBytes([]byte(tc.text))))
		})
	}
}

func TestAdd(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("alice:pa55word!"))
	for _, tc := range []struct {
		name   string
		add    func(*secrets.Set)
		hidden []string // each must be redacted
		kept   []string // each must stay
	}{
		{"bearer", func(s *secrets.Set) { s.AddCredential("Bearer tok-123456") },
			[]string{"tok-123456", "Bearer tok-123456"}, []string{"Bearer"}},
		{"basic: encoded, decoded, password", func(s *secrets.Set) { s.AddCredential("Basic " + basic) },
			[]string{basic, "alice:pa55word!", "pa55word!", "pa55word%21"}, []string{"alice"}},
		{"cookie header: each value", func(s *secrets.Set) {
			s.AddHeader(http.Header{"Cookie": {`sid=abcdef123; theme=dark; q="quoted-v"`}})
		}, []string{"abcdef123", "dark", "quoted-v"}, []string{"sid", "theme"}},
		{"set-cookie", func(s *secrets.Set) {
			s.AddHeader(http.Header{"Set-Cookie": {"sess=zyxw9876; Path=/; HttpOnly"}})
		}, []string{"zyxw9876"}, []string{"HttpOnly"}},
		{"every credential header", func(s *secrets.Set) {
			s.AddHeader(http.Header{"X-Api-Key": {"key-value-1"}, "X-Auth-Token": {"auth-value-2"},
				"Proxy-Authorization": {"Basic cHJveHk6cHc="}, "X-Esri-Authorization": {"Bearer esri-value-3"},
				"X-Custom-Secret": {"custom-value-4"}, "Accept": {"application/json"}})
		}, []string{"key-value-1", "auth-value-2", "cHJveHk6cHc=", "esri-value-3", "custom-value-4"}, []string{"application/json"}},
		{"URL: password and parameters", func(s *secrets.Set) {
			s.AddURL("https://bob:hunter22@host/x?f=json&TOKEN=t0k3n-a&api_key=k3y-b&access_token=acc-c%2Fd&other=visible")
		}, []string{"hunter22", "bob:hunter22", "t0k3n-a", "k3y-b", "acc-c/d"}, []string{"bob", "visible"}},
		{"URL that Go cannot parse", func(s *secrets.Set) { s.AddURL("http://bob:pa%zzss@host/x?token=tok%zz1") },
			[]string{"tok%zz1"}, []string{"bob"}},
		{"form", func(s *secrets.Set) { s.AddValues(url.Values{"token": {"form-tok"}, "f": {"json"}}) },
			[]string{"form-tok"}, []string{"json"}},
		{"another set", func(s *secrets.Set) { s.AddSet(secrets.New("from-other")) }, []string{"from-other"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &secrets.Set{}
			tc.add(s)
			for _, v := range tc.hidden {
				assert.Equal(t, "<"+secrets.Redacted+">", s.Redact("<"+v+">"), v)
			}
			for _, v := range tc.kept {
				assert.Equal(t, "<"+v+">", s.Redact("<"+v+">"), v)
			}
		})
	}
}

func TestRedactURLHeaderValues(t *testing.T) {
	s := secrets.New("echoed-secret")
	assert.Equal(t, "https://REDACTED@host/p?f=json&token=REDACTED&x=REDACTED&API_KEY=REDACTED",
		s.RedactURL("https://u:p@host/p?f=json&token=abc&x=echoed-secret&API_KEY=k"))
	assert.Equal(t, "http://host/%zz?token=REDACTED", s.RedactURL("http://host/%zz?token=abc"), "unparsable: as text")
	assert.Equal(t, "token=REDACTED&f=json", s.RedactQuery("token=abc&f=json"))

	h := s.RedactHeader(http.Header{"X-Api-Key": {"k1"}, "Location": {"/x?y=echoed-secret"}, "Accept": {"a/b"}})
	assert.Equal(t, http.Header{"X-Api-Key": {"REDACTED"}, "Location": {"/x?y=REDACTED"}, "Accept": {"a/b"}}, h)

	v := s.RedactValues(url.Values{"access_token": {"k1"}, "f": {"json"}, "x": {"echoed-secret"}})
	assert.Equal(t, url.Values{"access_token": {"REDACTED"}, "f": {"json"}, "x": {"REDACTED"}}, v)
}

func TestIsHeaderIsParam(t *testing.T) {
	for _, h := range []string{"Authorization", "proxy-authorization", "X-Esri-Authorization", "cookie", "Set-Cookie",
		"X-Auth-Token", "x-api-key", "X-Csrf-Token", "X-Client-Secret", "X-Password", "Apikey"} {
		assert.True(t, secrets.IsHeader(h), h)
	}
	for _, h := range []string{"Accept", "Content-Type", "User-Agent", "Location", "X-Request-Id"} {
		assert.False(t, secrets.IsHeader(h), h)
	}
	for _, p := range []string{"token", "TOKEN", "api_key", "Access_Token", "apikey", "key", "password", "client_secret",
		"refresh_token", "id_token", "sig", "X-Amz-Signature", "pwd", "tokens", "Passwd"} {
		assert.True(t, secrets.IsParam(p), p)
	}
	for _, p := range []string{"f", "taskOperationId", "taskGroupJobId", "keys", "monkey", "callback", "signed", "__code", "limit", "expand"} {
		assert.False(t, secrets.IsParam(p), p)
	}
}

func TestCollect(t *testing.T) {
	none := []struct {
		url  string
		h    http.Header
		form url.Values
	}{
		{"https://h/TopographicProductionServer/workflows/tasks/getTask?f=json&taskGroupJobId=A&taskOperationId=B",
			http.Header{"Accept": {"application/json"}, "User-Agent": {"x"}}, url.Values{"f": {"json"}}},
		{"/process/api/v1/tasks/1", nil, nil},
	}
	for _, n := range none {
		assert.Nil(t, secrets.Collect(n.url, n.h, n.form))
		assert.Zero(t, testing.AllocsPerRun(100, func() { secrets.Collect(n.url, n.h, n.form) }))
	}
	assert.Nil(t, secrets.Collect("/x?token=ab", nil, nil), "too short")

	s := secrets.Collect("https://u:pw-1234@h/x?f=json&tok%65n=url-tok", http.Header{"Authorization": {"Bearer hdr-tok"}},
		url.Values{"api_key": {"form-key"}})
	require.NotNil(t, s)
	assert.Equal(t, "R R R R", strings.ReplaceAll(s.Redact("pw-1234 url-tok hdr-tok form-key"), secrets.Redacted, "R"))
}

func TestUnion(t *testing.T) {
	a, b := secrets.New("alpha-1"), secrets.New("bravo-2")
	assert.Nil(t, secrets.Union(nil, &secrets.Set{}))
	assert.Same(t, a, secrets.Union(nil, a, &secrets.Set{}))
	u := secrets.Union(a, b)
	assert.Equal(t, "REDACTED REDACTED", u.Redact("alpha-1 bravo-2"))
	assert.Equal(t, 1, a.Len(), "the sets given are not changed")
	ab := secrets.New("alpha-1", "bravo-2")
	assert.Same(t, ab, secrets.Union(a, ab, b), "a set holding all the others is their union")
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	s := secrets.New("s3cr3t-value")
	w := s.Writer(&b)
	n, err := fmt.Fprintf(w, "cannot use s3cr3t-value on https://u:p@h/?token=x\n")
	require.NoError(t, err)
	assert.Equal(t, len("cannot use s3cr3t-value on https://u:p@h/?token=x\n"), n)
	assert.Equal(t, "cannot use REDACTED on https://REDACTED@h/?token=REDACTED\n", b.String())
}

func TestConcurrentUse(t *testing.T) {
	s := &secrets.Set{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			s.Add(fmt.Sprintf("value-%04d", i))
		}
	}()
	for range 200 {
		_ = s.Redact("value-0001 value-0199")
	}
	<-done
	assert.Equal(t, "REDACTED REDACTED", s.Redact("value-0001 value-0199"))
	assert.Equal(t, 200, s.Len())
}

func TestRedactBoundedWork(t *testing.T) {
	// Long repetitive secrets and texts that match long pieces of them at
	// every position, or hold an ellipsis every few bytes: the search stays
	// linear, and what it cannot afford to search is redacted.
	for _, tc := range []struct{ name, secret, text string }{
		{"cut beginning everywhere", strings.Repeat("a", 4000) + "b", strings.Repeat("a", 1<<20)},
		{"escape or character", strings.Repeat("%25", 300), strings.Repeat("%25", 300000)},
		{"percent signs", strings.Repeat("%", 1000), strings.Repeat("%25", 300000)},
		{"an ellipsis every 5 bytes", strings.Repeat("ab", 2000), strings.Repeat("...ab", 200000)},
		{"backslashes", strings.Repeat("\\", 500), strings.Repeat("\\\\", 300000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := secrets.New(tc.secret)
			start := time.Now()
			out := s.Redact(tc.text)
			assert.Less(t, time.Since(start), 3*time.Second)
			assert.True(t, strings.HasSuffix(out, secrets.Redacted), "the text ends with a piece of the secret")
		})
	}
}

func TestRedactURLThatGoCannotParse(t *testing.T) {
	s := &secrets.Set{}
	s.AddURL("ftp://alice:pa55/w+rd-0xC0DE@host/x")
	assert.Equal(t, "ftp://REDACTED@host/x", s.RedactURL("ftp://alice:pa55/w+rd-0xC0DE@host/x"))
	assert.Equal(t, "see REDACTED", s.Redact("see pa55/w+rd-0xC0DE"))
}

// TestRedactRawURL: a URL quoted in a message keeps no password, whatever
// its characters, nor a credential parameter, parsed by Go or not.
func TestRedactRawURL(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"http://u:pw@host/p", "http://REDACTED@host/p"},
		{"http://u:p/w@exa mple.com/", "http://REDACTED@exa mple.com/"},
		{"http://u:p?w#x@exa mple.com/", "http://REDACTED@exa mple.com/"},
		{"u:pw@host:99999999", "REDACTED@host:99999999"},
		{"http://exa mple.com/a?token=tok1&f=json", "http://exa mple.com/a?token=REDACTED&f=json"},
		{"http://host/a?f=json", "http://host/a?f=json"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, secrets.RedactRawURL(tt.raw), tt.raw)
	}
}
