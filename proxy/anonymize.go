package proxy

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

// anonymizer replaces personal data in task bodies with fakes, the same
// fake for the same real value for its whole life:
//
//   - an identity object ({id, name, type}: Oracle users such as
//     createdBy, fromUser, reason.user, candidateUsers) of type USER or
//     without a type gets a fake id of the same shape (a UUID stays a
//     UUID) and a fake name "userN";
//   - Esri's assignTo, when set, gets a fake name;
//   - every e-mail address in any string becomes userN@example.com;
//   - a real name found as a whole word in free text (reasonText, title,
//     ...) is replaced by its fake.
//
// Groups, roles and app clients are not personal and are kept, and so is
// the "System" user. Dates, states and enumerations are never touched, so
// a valid task stays valid.
type anonymizer struct {
	mu    sync.Mutex
	salt  []byte
	names map[string]string
	ids   map[string]string
	mails map[string]string
}

func newAnonymizer() *anonymizer {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return &anonymizer{salt: salt, names: map[string]string{}, ids: map[string]string{}, mails: map[string]string{}}
}

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// keptNames are account names that are not personal.
var keptNames = []string{"System", "system", "SYSTEM", ""}

// untouched are keys whose string values are never rewritten as free text.
var untouched = []string{"id", "state", "substate", "action", "subaction", "type", "rel", "href", "status", "priority",
	"taskOperationId", "taskGroupJobId", "taskWorkId", "workflowJobId", "processDefinitionId", "processDefinitionKey"}

// body anonymizes a JSON body; a body that is not JSON only has its e-mail
// addresses replaced.
func (a *anonymizer) body(b []byte) []byte {
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
func (a *anonymizer) collect(v any, key string) {
	switch x := v.(type) {
	case object:
		if isPerson(x) {
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

func isPerson(m object) bool {
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

// str returns the value of member key when it is a string.
func (o object) str(key string) (string, bool) {
	v, _ := o.get(key)
	s, ok := v.(string)
	return s, ok
}

func (a *anonymizer) rewrite(v any, key string) any {
	switch x := v.(type) {
	case object:
		person := isPerson(x)
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
		if !slices.Contains(untouched, key) {
			s = a.freeText(s)
		}
		return s
	}
	return v
}

func (a *anonymizer) fakeName(real string) string {
	if slices.Contains(keptNames, real) {
		return real
	}
	if emailRE.MatchString(real) {
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
func (a *anonymizer) fakeID(real string) string {
	if f, ok := a.ids[real]; ok {
		return f
	}
	h := sha256.Sum256(append(append([]byte{}, a.salt...), real...))
	x := hex.EncodeToString(h[:16])
	f := "user-" + x[:12]
	if uuidRE.MatchString(real) {
		f = x[:8] + "-" + x[8:12] + "-4" + x[13:16] + "-a" + x[17:20] + "-" + x[20:32]
		if strings.ToUpper(real) == real {
			f = strings.ToUpper(f)
		}
	}
	a.ids[real] = f
	return f
}

func (a *anonymizer) emails(s string) string {
	return emailRE.ReplaceAllStringFunc(s, func(m string) string {
		f, ok := a.mails[strings.ToLower(m)]
		if !ok {
			f = fmt.Sprintf("user%d@example.com", len(a.mails)+1)
			a.mails[strings.ToLower(m)] = f
		}
		return f
	})
}

// freeText replaces the known real names and ids found as whole words.
func (a *anonymizer) freeText(s string) string {
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
