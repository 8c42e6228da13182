package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/specs"
)

// A corpus is a recording of realistic tasks made by package fixtures,
// whose people are drawn from a pool of a chosen size instead of the
// generator's staff of 240: every user of a generated task, in its
// identities and in its text (display names in titles and descriptions,
// logins in reasonText), is replaced by a person of the pool, and some
// descriptions give an e-mail address in one of its encodings. The ground
// truth of each body (who is named, how) is kept for the tests.

// poolPerson is a person of a corpus.
type poolPerson struct {
	id, login, display, esri, mail string
}

// corpusBody is one recorded body and the people it names.
type corpusBody struct {
	api  specs.Name
	path string // the request path, for the validator
	body []byte
	// named are the people that an identity (or assignTo) of the body
	// names; mentioned are the people its text names.
	named, mentioned []int
}

var (
	poolFirst = []string{"Mathieu", "Élodie", "Jürgen", "Lucía", "Raúl", "Chloé", "Søren", "Zoë", "Anna", "Felix",
		"Camille", "Sofía", "Andrés", "Inès", "Björn", "Ana", "Javier", "Marie", "Jonas", "Katharina",
		"Noël", "Agnès", "Ignacio", "Małgorzata", "Hélène", "Tobias", "Irene", "Amélie", "Diego", "Miriam",
		"Jennifer", "Robert", "Aisha", "Kenji", "Priya", "Olumide", "Fatima", "Liam", "Grace", "Mateo"}
	poolLast = []string{"Moreau", "Lefèvre", "Müller", "García", "Schäfer", "Fernández", "Dubois", "Krüger", "Navarro",
		"Weiß", "Chevalier", "Ortega", "Brandt", "Núñez", "Girard", "Hoffmann", "López", "Fontaine", "Østergaard",
		"Walsh", "O'Connor", "Okafor", "Tanaka", "Sharma", "Castillo"}
)

// asciiName spells a name as package fixtures spells logins: lower case,
// umlauts as ae, oe, ue, other accents dropped, other signs removed. With
// short, umlauts lose their e ("muller"), as some directories write them.
func asciiName(s string, short bool) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch c {
		case 'ä', 'ö', 'ü':
			b.WriteRune(map[rune]rune{'ä': 'a', 'ö': 'o', 'ü': 'u'}[c])
			if !short {
				b.WriteByte('e')
			}
		case 'ß':
			b.WriteString("ss")
		case 'á', 'à', 'â':
			b.WriteByte('a')
		case 'é', 'è', 'ê', 'ë':
			b.WriteByte('e')
		case 'í', 'î', 'ï':
			b.WriteByte('i')
		case 'ó', 'ô':
			b.WriteByte('o')
		case 'ú', 'û', 'ù':
			b.WriteByte('u')
		case 'ç':
			b.WriteByte('c')
		case 'ñ', 'ń':
			b.WriteByte('n')
		case 'ø':
			b.WriteByte('o')
		case 'ł':
			b.WriteByte('l')
		default:
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				b.WriteRune(c)
			}
		}
	}
	return b.String()
}

// newPool returns n people (n at most 1,000), with distinct logins.
func newPool(n int) []poolPerson {
	pool := make([]poolPerson, n)
	esri := map[string]bool{}
	for i := range pool {
		first, last := poolFirst[i%len(poolFirst)], poolLast[(i/len(poolFirst)+i)%len(poolLast)]
		short := i%7 == 3
		login := asciiName(first, short) + "." + asciiName(last, short)
		e := asciiName(first, short)[:1] + asciiName(last, short)
		for k := 2; esri[e]; k++ {
			e = asciiName(first, short)[:1] + asciiName(last, short) + strconv.Itoa(k)
		}
		esri[e] = true
		h := sha256.Sum256([]byte("pool" + strconv.Itoa(i)))
		x := hex.EncodeToString(h[:16])
		domain := "corp.example.org"
		if i%5 == 0 {
			domain = "localhost"
		}
		pool[i] = poolPerson{
			id:      x[:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32],
			login:   login,
			display: first + " " + last,
			esri:    e,
			mail:    login + "@" + domain,
		}
	}
	return pool
}

// staffPerson is a user of the generator's staff, as a corpus learns it.
type staffPerson struct {
	ordinal     int
	first, last string // the two parts of the login
}

// newCorpus returns n bodies (nine Oracle tasks to one Esri task, over
// several seeds and the four languages) naming people of a pool of the
// given size.
func newCorpus(tb testing.TB, n, people int) ([]poolPerson, []corpusBody) {
	tb.Helper()
	pool := newPool(people)
	type gen struct {
		oracle *fixtures.OracleTask
		esri   *fixtures.EsriResponse
		id     string
	}
	tasks := make([]gen, n)
	langs := fixtures.Languages()
	for k := range tasks {
		g := fixtures.New(fixtures.WithSeed(uint64(1 + k/250)))
		if k%10 == 9 {
			id := g.EsriIdentity(k)
			r, err := g.Esri(id, fixtures.Request{})
			require.NoError(tb, err)
			tasks[k] = gen{esri: &r, id: id.TaskOperationID}
			continue
		}
		id := g.OracleIdentity(k)
		t, err := g.Oracle(id, fixtures.Request{Lang: langs[k%len(langs)]})
		require.NoError(tb, err)
		tasks[k] = gen{oracle: &t, id: id}
	}

	// The staff: every user an identity names, by login, and the Esri
	// users, by name.
	staff := map[string]*staffPerson{}
	esriStaff := map[string]int{}
	for _, t := range tasks {
		if t.esri != nil {
			if u := t.esri.Task.AssignTo; u != "" {
				if _, ok := esriStaff[u]; !ok {
					esriStaff[u] = len(esriStaff)
				}
			}
			continue
		}
		for _, p := range identities(t.oracle) {
			if isStaff(p) && staff[p.Name] == nil {
				first, last, ok := strings.Cut(strings.TrimRight(p.Name, "0123456789"), ".")
				require.True(tb, ok, p.Name)
				staff[p.Name] = &staffPerson{ordinal: len(staff), first: first, last: last}
			}
		}
	}
	byFirst := map[string][]string{}
	logins := make([]string, 0, len(staff))
	for login, s := range staff {
		byFirst[s.first] = append(byFirst[s.first], login)
		logins = append(logins, login)
	}
	slices.SortFunc(logins, func(a, b string) int { return len(b) - len(a) })
	for i, l := range logins {
		logins[i] = regexp.QuoteMeta(l)
	}
	loginRE := regexp.MustCompile(`\b(?:` + strings.Join(logins, "|") + `)\b`)

	bodies := make([]corpusBody, n)
	for k, t := range tasks {
		variant := k % 5
		person := func(ordinal int) int { return (ordinal + 240*variant) % len(pool) }
		cb := &bodies[k]
		if t.esri != nil {
			if u := t.esri.Task.AssignTo; u != "" {
				i := person(esriStaff[u])
				t.esri.Task.AssignTo = pool[i].esri
				cb.named = append(cb.named, i)
			}
			b, err := json.Marshal(t.esri)
			require.NoError(tb, err)
			*cb = corpusBody{api: specs.Esri, body: b, named: cb.named,
				path: "/arcgis/rest/services/P/TopographicProductionServer/workflows/tasks/getTask?f=json&taskGroupJobId=X&taskOperationId=" + t.id}
			continue
		}
		task := t.oracle
		for _, p := range identities(task) {
			if s := staff[p.Name]; s != nil && isStaff(p) {
				i := person(s.ordinal)
				p.ID, p.Name = pool[i].id, pool[i].login
				cb.named = append(cb.named, i)
			}
		}
		text := func(s string) string {
			s = loginRE.ReplaceAllStringFunc(s, func(l string) string {
				i := person(staff[l].ordinal)
				cb.mentioned = append(cb.mentioned, i)
				return pool[i].login
			})
			return replaceDisplays(s, staff, byFirst, func(login string) string {
				i := person(staff[login].ordinal)
				cb.mentioned = append(cb.mentioned, i)
				return pool[i].display
			})
		}
		task.Title, task.Description, task.Summary, task.ReasonText = text(task.Title), text(task.Description), text(task.Summary), text(task.ReasonText)
		if task.Reason != nil {
			task.Reason.Comment = text(task.Reason.Comment)
		}
		var escaped string
		if k%3 == 0 && len(cb.named) > 0 {
			i := cb.named[0]
			addr := pool[i].mail
			switch k / 3 % 4 {
			case 1:
				addr = strings.Replace(addr, "@", "%40", 1)
			case 2:
				escaped = addr
			case 3:
				addr = strings.ToUpper(addr)
			}
			task.Description += " Contact: " + addr + "."
			cb.mentioned = append(cb.mentioned, i)
		}
		b, err := json.Marshal(task)
		require.NoError(tb, err)
		if escaped != "" {
			b = []byte(strings.Replace(string(b), escaped, strings.Replace(escaped, "@", `\u0040`, 1), 1))
		}
		*cb = corpusBody{api: specs.Oracle, path: "/process/api/v1/tasks/" + t.id, body: b, named: cb.named, mentioned: cb.mentioned}
	}
	return pool, bodies
}

// identities returns the identities of an Oracle task.
func identities(t *fixtures.OracleTask) []*fixtures.Identity {
	var out []*fixtures.Identity
	add := func(ps ...*fixtures.Identity) {
		for _, p := range ps {
			if p != nil {
				out = append(out, p)
			}
		}
	}
	add(t.FromUser, t.CreatedBy, t.Assignee, t.OriginalAssignee)
	for i := range t.CandidateUsers {
		add(&t.CandidateUsers[i])
	}
	if r := t.Reason; r != nil {
		add(r.User, r.Assignee)
		for i := range r.CandidateUsers {
			add(&r.CandidateUsers[i])
		}
	}
	return out
}

// isStaff tells whether an identity is a user of the staff (not a client,
// a group, a role or System): the staff's logins are "first.last", the
// clients' names have no dot (reason.user names a client without type).
func isStaff(p *fixtures.Identity) bool {
	return (p.Type == "USER" || p.Type == "") && strings.Contains(p.Name, ".")
}

// replaceDisplays replaces in s the display names of the staff: words
// whose ASCII spellings are the two parts of a login.
func replaceDisplays(s string, staff map[string]*staffPerson, byFirst map[string][]string, repl func(login string) string) string {
	type word struct {
		start, end int
		ascii      string
	}
	var words []word
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		tok := s[i:j]
		lead := len(tok) - len(strings.TrimLeftFunc(tok, notAlnum))
		tok = strings.TrimFunc(tok, notAlnum)
		if tok != "" {
			words = append(words, word{i + lead, i + lead + len(tok), asciiName(tok, false)})
		}
		i = j
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(words); i++ {
		done := false
		for j, acc := i, ""; j < len(words) && j < i+3 && !done; j++ {
			acc += words[j].ascii
			for _, login := range byFirst[acc] {
				for k, acc2 := j+1, ""; k < len(words) && k < j+4; k++ {
					acc2 += words[k].ascii
					if acc2 == staff[login].last {
						b.WriteString(s[last:words[i].start])
						b.WriteString(repl(login))
						last, i, done = words[k].end, k, true
						break
					}
				}
				if done {
					break
				}
			}
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

func notAlnum(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// TestCorpus checks the corpus itself: its people are in identities and in
// text, its bodies are valid tasks (checked by TestAnonymizeGeneratedTasks).
func TestCorpus(t *testing.T) {
	pool, bodies := newCorpus(t, 200, 1000)
	var named, mentioned, displays int
	for _, b := range bodies {
		named += len(b.named)
		mentioned += len(b.mentioned)
		for _, i := range b.mentioned {
			if strings.Contains(string(b.body), pool[i].display) {
				displays++
			}
		}
	}
	assert := require.New(t)
	assert.Greater(named, 400, "people in identities")
	assert.Greater(displays, 100, "display names in text")
	assert.Greater(mentioned, displays, "logins and addresses in text")
	t.Logf("%d bodies: %d people in identities, %d in text, %d display names", len(bodies), named, mentioned, displays)
}
