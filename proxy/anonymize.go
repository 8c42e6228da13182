package proxy

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

// anonymizer replaces the people named in task bodies with fakes, the same
// fake for the same real person for its whole life (a Recorder's
// recording), and across the Recorders of one directory when it has a
// peopleBook. A person is an account that is not a group, a role or the
// server's own "System":
//
//   - an identity object ({id, name, type}: createdBy, fromUser, assignee,
//     originalAssignee, reason.user, reason.assignee, candidateUsers, or any
//     object with an id and a name and no href) of type USER, of type
//     APPCLIENT, or without a type;
//     its other strings (displayName, fullName, email, ...; not the kept
//     keys below) are further names of the same person;
//   - a string under one of those keys, and Esri's assignTo;
//   - an e-mail address anywhere, whatever the person: plain, with the "@"
//     percent-encoded (%40), JSON-escaped (\u0040) or an HTML entity, with
//     or without a dot in the domain (user@localhost).
//
// Each person gets a number: "userN" (or "clientN" for an application
// client seen with its type) replaces the login and display names,
// userN@example.com the e-mail addresses, and an id of the same shape (a
// UUID stays a UUID, in the same letter case) the id. The person is then
// replaced wherever it occurs in any string of this body and of every later
// one, including object keys, links and longer words: its id, its login
// ("mmoreau's laptop"), and the display names made from a login of two
// parts or more ("mathieu.moreau" gives "Mathieu Moreau" and "Moreau,
// Mathieu"), in any letter case, with or without accents and umlauts
// spelled out ("Müller", "Mueller", "Muller"). The people of a body are all
// collected before any of its strings is rewritten, so a name met in a title
// before the identity that names it is replaced too.
//
// Application clients (type APPCLIENT) are replaced like users: an
// identity without a type may be a client (reason.user names the client
// that started a process without saying so), and only replacing every
// account keeps the same client under one fake everywhere.
//
// Groups, roles and "System" are kept, and so are the values of
// enumerations (state, type, rel, ...) and the ids of tasks, processes and
// other objects that are not people; links keep those ids, so a self link
// still ends with its task's id. Dates and numbers are never touched: a
// valid task stays valid.
//
// A person named only in free text, by no identity of this body or of an
// earlier one, cannot be recognized and is not replaced.
type anonymizer struct {
	mu   sync.Mutex
	salt []byte
	// keys finds a person: "i:" and a lower-case id, "n:" and a lower-case
	// login, "m:" and a lower-case e-mail address, "l:" and the local part
	// of an e-mail address, lower case.
	keys     map[string]*entity
	ids      map[string]string // lower-case real id to fake id, lower case
	users    int
	clients  int
	names    matcher
	fold     folder
	spans    []span
	protect  []string
	idents   []identity
	mailSeen []string
	// book, when set, keeps the fakes across runs of the recorder on one
	// directory; byFake is the entity of each fake of this run.
	book   *peopleBook
	byFake map[string]*entity
}

// entity is one real person (or application client) and its fake.
type entity struct {
	fake string // "user3", "client1"
}

// identity is an account found in a body, before it is registered.
type identity struct {
	id, name string
	// also are the other names the object gives the account
	// (displayName, fullName, email, ...): its strings but id, name and
	// the kept keys.
	also   []string
	typed  bool // the body said USER or APPCLIENT
	client bool
}

// span is a part of a string to replace.
type span struct {
	start, end int
	repl       string
}

func newAnonymizer() *anonymizer {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return &anonymizer{salt: salt, keys: map[string]*entity{}, ids: map[string]string{}, byFake: map[string]*entity{}}
}

// newBookAnonymizer returns an anonymizer that gives each person the fake
// an earlier run on the same recording gave it, as book remembers: the
// fake ids are keyed by the book's key, and the numbering goes on after
// the book's highest.
func newBookAnonymizer(book *peopleBook) *anonymizer {
	a := newAnonymizer()
	a.book = book
	a.salt = []byte(book.mac("taskmock anonymize ids"))
	a.users, a.clients = book.users, book.clients
	return a
}

// find returns the person a key ("i:" and an id ...) names: one met in
// this run, or one the book remembers.
func (a *anonymizer) find(k string) *entity {
	if e := a.keys[k]; e != nil || a.book == nil {
		return e
	}
	fake, ok := a.book.lookup(k)
	if !ok {
		return nil
	}
	return a.entityOf(fake)
}

// entityOf returns this run's entity of a fake.
func (a *anonymizer) entityOf(fake string) *entity {
	e := a.byFake[fake]
	if e == nil {
		e = &entity{fake: fake}
		a.byFake[fake] = e
	}
	return e
}

// set registers the key k of the person e, in the book too.
func (a *anonymizer) set(k string, e *entity) {
	a.keys[k] = e
	if a.book != nil && k[2:] != "" {
		a.book.remember(k, e.fake)
	}
}

// personKeys are the members whose value is an account: an identity
// object, a login, or (candidateUsers, and a reassignment's identities,
// where a missing type means USER) a list of them.
var personKeys = []string{"assignTo", "assignee", "originalAssignee", "createdBy", "fromUser", "user", "candidateUsers", "identities"}

// groupKeys are the members whose value is a list of groups and roles.
var groupKeys = []string{"candidateGroups"}

// keptKeys are the members whose string values are kept as they are: the
// enumerations, whose documented values must stay, and the ids of tasks,
// processes and actions, which are not people and which links, fixture
// names and requests refer to. An "id" is kept only outside an identity.
var keptKeys = []string{"id", "state", "substate", "action", "subaction", "type", "rel", "status", "priority", "outcome",
	"actionId", "mimeType", "mediaType", "hreflang",
	"taskOperationId", "taskGroupJobId", "taskWorkId", "workflowJobId",
	"processDefinitionId", "processDefinitionKey", "activityInstanceId", "processInstanceId", "processExecutionId",
	"rootInstanceId", "rootProcessId", "taskDefinitionKey", "dpDefinitionId", "dpDefinitionKey", "dpExecutionId", "dpInstanceId"}

// idKeys are the kept keys whose values are ids that links may contain.
var idKeys = []string{"id", "taskOperationId", "taskGroupJobId", "taskWorkId", "workflowJobId", "activityInstanceId",
	"processInstanceId", "processExecutionId", "rootInstanceId", "rootProcessId", "dpInstanceId", "dpExecutionId"}

// systemUser is the account of the server itself, kept.
const systemUser = "System"

// minIDPattern is the length of the shortest id looked for in free text.
const minIDPattern = 8

var (
	// emailRE finds e-mail addresses: the "@" plain, percent-encoded,
	// JSON-escaped or an HTML entity (submatch 1); the local part may hold
	// percent-encoded ".", "+", "-" and "_"; the domain needs no dot.
	emailRE = regexp.MustCompile(`(?i)(?:[\p{L}\p{N}._+-]|%2[bde]|%5f)+(@|%40|\\u0040|&#0*64;|&#x0*40;)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*`)
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// mayHoldEmail tells quickly whether s can hold an e-mail address.
func mayHoldEmail(s string) bool {
	return strings.IndexByte(s, '@') >= 0 || strings.Contains(s, "%40") || strings.Contains(s, "&#") ||
		strings.Contains(s, "u0040")
}

// body anonymizes a response body. A JSON body (or JSONP, the callback
// kept) is walked after jsonlimit.Check: one it refuses (too deep, too
// large) is an error wrapping jsonlimit.ErrTooDeep or ErrTooLarge, and the
// caller must not record it. Any other body (HTML, text, JSON that does not
// parse) has every e-mail address and every person already known replaced
// in its text.
func (a *anonymizer) body(b []byte) ([]byte, error) {
	if int64(len(b)) > jsonlimit.DefaultMaxBytes {
		return nil, &jsonlimit.Error{Kind: jsonlimit.ErrTooLarge, Limit: jsonlimit.DefaultMaxBytes, Offset: jsonlimit.DefaultMaxBytes}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	head, inner, tail := splitJSONP(b)
	if t := bytes.TrimLeft(inner, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		if err := jsonlimit.Check(inner, jsonlimit.Limits{}); err != nil {
			return nil, err
		}
		if out, ok := a.json(inner); ok {
			return slices.Concat(head, out, tail), a.flush()
		}
	}
	return []byte(a.text(string(b), false)), a.flush()
}

// values anonymizes the values of a form, as a body that is not JSON:
// every e-mail address and every person already known is replaced.
func (a *anonymizer) values(v url.Values) (url.Values, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(url.Values, len(v))
	for k, vs := range v {
		for _, s := range vs {
			out[k] = append(out[k], a.text(s, false))
		}
	}
	return out, a.flush()
}

// flush writes the people met in the body to the book, before the body
// is recorded: a later run gives them the same fakes.
func (a *anonymizer) flush() error {
	if a.book == nil {
		return nil
	}
	if err := a.book.flush(); err != nil {
		return fmt.Errorf("the fakes of its people cannot be kept for later runs: %w", err)
	}
	return nil
}

// json anonymizes one JSON value; ok is false when b is not one.
func (a *anonymizer) json(b []byte) (out []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil || dec.More() {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // something after the value
	}
	a.idents, a.mailSeen, a.protect = a.idents[:0], a.mailSeen[:0], a.protect[:0]
	a.collect(v, "", false)
	a.register()
	v = a.rewrite(v, "", false)
	var buf bytes.Buffer
	buf.Grow(len(b) + len(b)/8)
	if err := encodeOrdered(&buf, v); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// splitJSONP splits a JSONP body, "callback({...});", into the call, the
// JSON and the end; a body that is not JSONP is all inner.
func splitJSONP(b []byte) (head, inner, tail []byte) {
	t := bytes.TrimLeft(b, " \t\r\n")
	t = bytes.TrimPrefix(t, []byte("/**/"))
	i := 0
	for i < len(t) && (t[i] == '_' || t[i] == '$' || t[i] == '.' || t[i] >= 'a' && t[i] <= 'z' || t[i] >= 'A' && t[i] <= 'Z' ||
		i > 0 && t[i] >= '0' && t[i] <= '9') {
		i++
	}
	if i == 0 || i == len(t) || t[i] != '(' {
		return nil, b, nil
	}
	end := bytes.LastIndexByte(b, ')')
	start := len(b) - len(t) + i + 1
	if end < start || len(bytes.Trim(b[end+1:], " \t\r\n;")) > 0 {
		return nil, b, nil
	}
	return b[:start], b[start:end], b[end:]
}

// accountKind says what an object is: 0 not an account, 1 an account to
// replace, 2 an account to keep (group, role, System).
func accountKind(o object, parent string) int {
	if _, isLink := o.get("href"); isLink {
		return 0
	}
	name, hasName := o.str("name")
	id, hasID := o.str("id")
	t, _ := o.str("type")
	account := hasName && hasID || (hasName || hasID) && (slices.Contains(personKeys, parent) ||
		slices.Contains(groupKeys, parent) || strings.EqualFold(t, "USER") || strings.EqualFold(t, "APPCLIENT"))
	if !account || id == "" && name == "" {
		return 0
	}
	if strings.EqualFold(t, "GROUP") || strings.EqualFold(t, "ROLE") || slices.Contains(groupKeys, parent) ||
		strings.EqualFold(name, systemUser) {
		return 2
	}
	return 1
}

// collect finds the accounts, the e-mail addresses and the ids that links
// hold, before anything is rewritten.
func (a *anonymizer) collect(v any, key string, inAccount bool) {
	switch x := v.(type) {
	case object:
		kind := accountKind(x, key)
		if kind == 1 {
			id, _ := x.str("id")
			name, _ := x.str("name")
			t, _ := x.str("type")
			var also []string
			for _, m := range x {
				if v, ok := m.val.(string); ok && v != "" && m.key != "id" && m.key != "name" && !slices.Contains(keptKeys, m.key) {
					also = append(also, v)
				}
			}
			if name == "" && loginLike(id) {
				// A reassignment names a user by its id or its user name:
				// an id that is not a UUID or a number is also the login,
				// whose display names free text may hold.
				name = id
			}
			a.idents = append(a.idents, identity{id: id, name: name, also: also, typed: t != "", client: strings.EqualFold(t, "APPCLIENT")})
		}
		for _, m := range x {
			a.collectText(m.key)
			a.collect(m.val, m.key, kind != 0)
		}
	case []any:
		for _, c := range x {
			a.collect(c, key, false)
		}
	case string:
		switch {
		case inAccount && (key == "id" || key == "name"):
		case slices.Contains(personKeys, key):
			if x != "" && !strings.EqualFold(x, systemUser) {
				a.idents = append(a.idents, identity{name: x})
			}
		case slices.Contains(keptKeys, key):
			if slices.Contains(idKeys, key) && x != "" {
				a.protect = append(a.protect, x)
			}
		default:
			a.collectText(x)
		}
	}
}

// loginLike tells whether an id may be a login: it holds a letter and is
// not a UUID.
func loginLike(id string) bool {
	return strings.ContainsFunc(id, unicode.IsLetter) && !uuidRE.MatchString(id)
}

// collectText notes the e-mail addresses of s.
func (a *anonymizer) collectText(s string) {
	if !mayHoldEmail(s) {
		return
	}
	for _, m := range emailRE.FindAllStringSubmatchIndex(s, -1) {
		a.mailSeen = append(a.mailSeen, canonicalEmail(s[m[0]:m[1]], s[m[2]:m[3]]))
	}
}

// register maps the accounts collected, those a body gives a type first
// (so that a client is named as one), then the e-mail addresses.
func (a *anonymizer) register() {
	for _, typed := range []bool{true, false} {
		for _, id := range a.idents {
			if id.typed == typed {
				e := a.account(id.id, id.name, id.client)
				for _, n := range id.also {
					a.alias(n, e)
				}
			}
		}
	}
	for _, m := range a.mailSeen {
		a.mail(m)
	}
	a.idents, a.mailSeen = a.idents[:0], a.mailSeen[:0]
}

// rewrite replaces the people of v.
func (a *anonymizer) rewrite(v any, key string, inAccount bool) any {
	switch x := v.(type) {
	case object:
		kind := accountKind(x, key)
		for i, m := range x {
			x[i].key = a.text(m.key, false)
			s, isString := m.val.(string)
			switch {
			case isString && kind == 1 && m.key == "id":
				x[i].val = a.fakeID(s)
			case isString && kind == 1 && m.key == "name":
				x[i].val = a.fakeName(s)
			case isString && kind == 2 && (m.key == "id" || m.key == "name"):
			default:
				x[i].val = a.rewrite(m.val, m.key, kind != 0)
			}
		}
		return x
	case []any:
		for i, c := range x {
			x[i] = a.rewrite(c, key, false)
		}
		return x
	case string:
		switch {
		case slices.Contains(personKeys, key):
			return a.fakeName(x)
		case slices.Contains(keptKeys, key):
			return x
		case key == "href":
			return a.text(x, true)
		}
		return a.text(x, false)
	}
	return v
}

// account returns the person of an identity (or of a login alone, id ""),
// registering it and its names on first sight.
func (a *anonymizer) account(id, name string, client bool) *entity {
	lid, lname := strings.ToLower(id), strings.ToLower(name)
	mail, local := "", ""
	if m := emailRE.FindStringSubmatchIndex(name); m != nil && m[0] == 0 && m[1] == len(name) {
		mail = canonicalEmail(name, name[m[2]:m[3]])
		local = localPart(mail)
	}
	var e *entity
	for _, k := range []string{"i:" + lid, "n:" + lname, "m:" + mail, "n:" + local, "l:" + local, "l:" + lname} {
		if e = a.find(k); e != nil && k[2:] != "" {
			break
		}
		e = nil
	}
	if e == nil {
		e = a.newEntity(client)
	}
	if _, ok := a.keys["i:"+lid]; !ok && id != "" {
		a.set("i:"+lid, e)
		// A short id ("42") is too common to look for in free text.
		if f := foldString(id); len(f) >= minIDPattern {
			a.names.add(&pattern{folded: f, ent: e, id: id})
		}
	}
	switch {
	case mail != "":
		if _, ok := a.keys["m:"+mail]; !ok {
			a.set("m:"+mail, e)
		}
		a.loginPatterns("n:"+local, local, e)
	case name != "":
		a.loginPatterns("n:"+lname, name, e)
	}
	return e
}

// mail returns the person of an e-mail address (canonical form): the one
// whose login is its local part, or a new one. A local part of two parts
// or more ("mathieu.moreau") is looked for in free text as a login.
func (a *anonymizer) mail(addr string) *entity {
	if e := a.keys["m:"+addr]; e != nil {
		return e
	}
	local := localPart(addr)
	e := a.find("m:" + addr)
	if e == nil {
		e = a.find("n:" + local)
	}
	if e == nil {
		e = a.find("l:" + local)
	}
	if e == nil {
		e = a.newEntity(false)
	}
	a.set("m:"+addr, e)
	if _, ok := a.keys["l:"+local]; !ok && local != "" {
		a.set("l:"+local, e)
	}
	if len(nameForms(local)) > 1 {
		a.loginPatterns("n:"+local, local, e)
	}
	return e
}

// loginPatterns registers a login and the display names made of it.
func (a *anonymizer) loginPatterns(key, login string, e *entity) {
	if _, ok := a.keys[key]; ok || login == "" {
		return
	}
	a.set(key, e)
	for _, f := range nameForms(login) {
		a.names.add(&pattern{folded: f, ent: e})
	}
}

// alias registers another name of the person e, given by its identity
// object: a display name, or an e-mail address.
func (a *anonymizer) alias(name string, e *entity) {
	if strings.EqualFold(name, systemUser) {
		return
	}
	if m := emailRE.FindStringSubmatchIndex(name); m != nil && m[0] == 0 && m[1] == len(name) {
		mail := canonicalEmail(name, name[m[2]:m[3]])
		if _, ok := a.keys["m:"+mail]; !ok {
			a.set("m:"+mail, e)
		}
		a.loginPatterns("n:"+localPart(mail), localPart(mail), e)
		return
	}
	a.loginPatterns("n:"+strings.ToLower(name), name, e)
}

func (a *anonymizer) newEntity(client bool) *entity {
	if client {
		a.clients++
		return a.entityOf("client" + strconv.Itoa(a.clients))
	}
	a.users++
	return a.entityOf("user" + strconv.Itoa(a.users))
}

// fakeName returns the fake of a login, a display name or an e-mail
// address held by an account field.
func (a *anonymizer) fakeName(real string) string {
	if real == "" || strings.EqualFold(real, systemUser) {
		return real
	}
	if e := a.keys["n:"+strings.ToLower(real)]; e != nil && !mayHoldEmail(real) {
		return e.fake
	}
	e := a.account("", real, false)
	if m := emailRE.FindStringSubmatchIndex(real); m != nil && m[0] == 0 && m[1] == len(real) {
		return e.fake + real[m[2]:m[3]] + "example.com"
	}
	return e.fake
}

// fakeID maps an id to a fake of the same shape: a UUID to a UUID (in the
// letter case of the real one), anything else to "user-" and a hash. Ids
// that differ only in letter case map to the same fake.
func (a *anonymizer) fakeID(real string) string {
	key := strings.ToLower(real)
	f, ok := a.ids[key]
	if !ok {
		h := sha256.Sum256(append(append([]byte{}, a.salt...), key...))
		x := hex.EncodeToString(h[:16])
		f = "user-" + x[:12]
		if uuidRE.MatchString(real) {
			f = x[:8] + "-" + x[8:12] + "-4" + x[13:16] + "-a" + x[17:20] + "-" + x[20:32]
		}
		a.ids[key] = f
	}
	if real != key && strings.ToUpper(real) == real {
		return strings.ToUpper(f)
	}
	return f
}

// canonicalEmail returns the address of a match of emailRE with its "@"
// written at: "@", percent-encoded parts decoded, lower case.
func canonicalEmail(match, at string) string {
	i := strings.Index(match, at)
	local, domain := match[:i], match[i+len(at):]
	if strings.Contains(local, "%") {
		r := strings.NewReplacer("%2B", "+", "%2b", "+", "%2D", "-", "%2d", "-", "%2E", ".", "%2e", ".", "%5F", "_", "%5f", "_")
		local = r.Replace(local)
	}
	return strings.ToLower(local + "@" + domain)
}

// localPart returns the local part of a canonical address, without a
// "+tag".
func localPart(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	local, _, _ = strings.Cut(local, "+")
	return local
}

// text returns s with every e-mail address and every known person
// replaced. In a link (keepIDs), the ids of the body that are not people
// are kept whole.
func (a *anonymizer) text(s string, keepIDs bool) string {
	spans := a.spans[:0]
	if mayHoldEmail(s) {
		for _, m := range emailRE.FindAllStringSubmatchIndex(s, -1) {
			at := s[m[2]:m[3]]
			e := a.mail(canonicalEmail(s[m[0]:m[1]], at))
			spans = append(spans, span{m[0], m[1], e.fake + at + "example.com"})
		}
	}
	if a.names.size > 0 {
		mails := len(spans)
		a.fold.fold(s)
		a.names.find(&a.fold, func(start, end int, p *pattern) {
			for _, m := range spans[:mails] {
				if start < m.end && m.start < end {
					return
				}
			}
			repl := p.ent.fake
			if p.id != "" {
				repl = a.fakeID(p.id)
				if m := s[start:end]; m != p.id && strings.ToUpper(m) == m {
					repl = strings.ToUpper(repl)
				} else if m != p.id && strings.ToLower(m) == m {
					repl = strings.ToLower(repl)
				}
			}
			spans = append(spans, span{start, end, repl})
		})
		if mails > 0 && len(spans) > mails {
			slices.SortFunc(spans, func(x, y span) int { return x.start - y.start })
		}
	}
	if keepIDs && len(spans) > 0 {
		spans = slices.DeleteFunc(spans, func(sp span) bool {
			for _, id := range a.protect {
				for i := 0; ; {
					j := strings.Index(s[i:], id)
					if j < 0 {
						break
					}
					if i+j < sp.end && sp.start < i+j+len(id) {
						return true
					}
					i += j + len(id)
				}
			}
			return false
		})
	}
	a.spans = spans
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.start])
		b.WriteString(sp.repl)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}
