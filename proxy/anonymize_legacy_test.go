package proxy

// The anonymizer as it was before names were matched with prepared
// patterns, kept only as the baseline of BenchmarkAnonymize: it compiles a
// regular expression per known name for every string, and replaces every
// known id with strings.ReplaceAll. It decodes with the (now bounded)
// decodeOrdered.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

type legacyAnonymizer struct {
	mu    sync.Mutex
	salt  []byte
	names map[string]string
	ids   map[string]string
	mails map[string]string
}

func newLegacyAnonymizer() *legacyAnonymizer {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return &legacyAnonymizer{salt: salt, names: map[string]string{}, ids: map[string]string{}, mails: map[string]string{}}
}

var (
	legacyEmailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	legacyUUIDRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// legacyKeptNames are account names that are not personal.
var legacyKeptNames = []string{"System", "system", "SYSTEM", ""}

// legacyUntouched are keys whose string values are never rewritten as free text.
var legacyUntouched = []string{"id", "state", "substate", "action", "subaction", "type", "rel", "href", "status", "priority",
	"taskOperationId", "taskGroupJobId", "taskWorkId", "workflowJobId", "processDefinitionId", "processDefinitionKey"}

// body anonymizes a JSON body; a body that is not JSON only has its e-mail
// addresses replaced.
func (a *legacyAnonymizer) body(b []byte) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil || dec.More() {
		return []byte(a.emails(string(b)))
	}
	a.collect(v, "")
	v = a.rewrite(v, "")
	var out bytes.Buffer
	if err := encodeOrdered(&out, v); err != nil {
		return []byte(a.emails(string(b)))
	}
	return out.Bytes()
}

// collect finds identities and maps them first, so that free text met
// before its identity is rewritten too.
func (a *legacyAnonymizer) collect(v any, key string) {
	switch x := v.(type) {
	case object:
		if legacyIsPerson(x) {
			if id, ok := x.str("id"); ok {
				a.fakeID(id)
			}
			if n, ok := x.str("name"); ok {
				a.fakeName(n)
			}
		}
		if n, ok := x.str("assignTo"); ok {
			a.fakeName(n)
		}
		for _, m := range x {
			a.collect(m.val, m.key)
		}
	case []any:
		for _, c := range x {
			a.collect(c, key)
		}
	}
}

func legacyIsPerson(m object) bool {
	_, hasID := m.get("id")
	_, hasName := m.get("name")
	if !hasID || !hasName {
		return false
	}
	if _, isLink := m.get("href"); isLink {
		return false
	}
	t, hasType := m.str("type")
	return !hasType || strings.EqualFold(t, "USER")
}

func (a *legacyAnonymizer) rewrite(v any, key string) any {
	switch x := v.(type) {
	case object:
		person := legacyIsPerson(x)
		for i, m := range x {
			k, c := m.key, m.val
			switch {
			case person && k == "id":
				if s, ok := c.(string); ok {
					x[i].val = a.fakeID(s)
					continue
				}
			case person && k == "name", k == "assignTo":
				if s, ok := c.(string); ok {
					x[i].val = a.fakeName(s)
					continue
				}
			}
			x[i].val = a.rewrite(c, k)
		}
		return x
	case []any:
		for i, c := range x {
			x[i] = a.rewrite(c, key)
		}
		return x
	case string:
		s := a.emails(x)
		if !slices.Contains(legacyUntouched, key) {
			s = a.freeText(s)
		}
		return s
	}
	return v
}

func (a *legacyAnonymizer) fakeName(real string) string {
	if slices.Contains(legacyKeptNames, real) {
		return real
	}
	if legacyEmailRE.MatchString(real) {
		return a.emails(real)
	}
	f, ok := a.names[real]
	if !ok {
		f = fmt.Sprintf("user%d", len(a.names)+1)
		a.names[real] = f
	}
	return f
}

// fakeID maps an id to a fake of the same shape: a UUID to a UUID (lower
// case, as the APIs write them), anything else to "user-" and a hash.
func (a *legacyAnonymizer) fakeID(real string) string {
	if f, ok := a.ids[real]; ok {
		return f
	}
	h := sha256.Sum256(append(append([]byte{}, a.salt...), real...))
	x := hex.EncodeToString(h[:16])
	f := "user-" + x[:12]
	if legacyUUIDRE.MatchString(real) {
		f = x[:8] + "-" + x[8:12] + "-4" + x[13:16] + "-a" + x[17:20] + "-" + x[20:32]
		if strings.ToUpper(real) == real {
			f = strings.ToUpper(f)
		}
	}
	a.ids[real] = f
	return f
}

func (a *legacyAnonymizer) emails(s string) string {
	return legacyEmailRE.ReplaceAllStringFunc(s, func(m string) string {
		f, ok := a.mails[strings.ToLower(m)]
		if !ok {
			f = fmt.Sprintf("user%d@example.com", len(a.mails)+1)
			a.mails[strings.ToLower(m)] = f
		}
		return f
	})
}

// freeText replaces the known real names and ids found as whole words.
func (a *legacyAnonymizer) freeText(s string) string {
	for real, fake := range a.ids {
		s = strings.ReplaceAll(s, real, fake)
	}
	for real, fake := range a.names {
		if len(real) < 3 {
			continue
		}
		re := regexp.MustCompile(`\b` + regexp.QuoteMeta(real) + `\b`)
		s = re.ReplaceAllLiteralString(s, fake)
	}
	return s
}
