package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/specs"
)

// The values of "fixtures --format".
const (
	fixturesNDJSON = "ndjson"
	fixturesJSON   = "json"
)

func fixturesUsage() string {
	return `Usage:
  taskmock fixtures --api esri|oracle --count N [flags]

Fixtures writes N realistic fake tasks of an API: consistent stories (a
COMPLETED Oracle task has a completion date and a reason that says who
completed it; an Esri task in progress has started but not ended), dates
around --now, human text in English, German, French or Spanish. The same
flags give the same bytes, so the files can be committed. Every task is
checked against the contract (strict) before it is written.

Task i is the i-th identity of the seed: an Oracle time-based UUID, or an
Esri task group job and task operation GUID (five tasks to a group job).

Without --out, the tasks go to standard output, one compact JSON task per
line (NDJSON), or as one pretty JSON array with --format json. With --out,
each task is a pretty-printed file named after its identity, and the path
of each file written is printed:
  oracle  DIR/<id>.json
  esri    DIR/<taskGroupJobId>_<taskOperationId>.json  (the getTask body)

Flags:
  --api NAME        the API: ` + choices(specs.Names()) + ` (required)
  --count N         the number of tasks, 1 or more (required)
  --seed N          the seed, an integer from 0 to 2^64-1 (default 1)
  --out DIR         write one file per task to DIR, creating it if missing
  --format FORMAT   standard output without --out: ndjson or json
                    (default ndjson)
  --cover           make every documented value appear at least once: the
                    first tasks take every state/substate pair with every
                    priority (oracle, 21 tasks or more) or every status
                    (esri, 6 tasks or more); the rest are drawn
  --lang TAG        the language of human text, a BCP 47 list such as
                    de-DE,de;q=0.9,en;q=0.8 naming en, de, fr or es
                    (default en)
  --state S         oracle only: every task in state S (ASSIGNED,
                    UNASSIGNED, DELEGATED, COMPLETED, WITHDRAWN, FAULTED)
  --status S        esri only: every task with status S (new, ready,
                    inProgress, completed, failed, canceled)
  --now RFC3339     the clock the dates lie around, RFC 3339
                    (default 2026-01-01T00:00:00Z)
  --base-url URL    oracle only: the base of the links
                    (default http://localhost)

Examples:
  taskmock fixtures --api oracle --count 50 --cover --out testdata/tasks
  taskmock fixtures --api esri --count 10 --status inProgress > tasks.ndjson
  taskmock fixtures --api oracle --count 3 --lang de --format json
  taskmock fixtures --api oracle --count 5 --state COMPLETED --seed 7
  taskmock fixtures --api esri --count 3 --now 2025-06-01T09:00:00Z

Exit codes:
  0  success
  1  a generated task violates the contract (a bug in taskmock)
  2  usage error, or a file that cannot be written
`
}

// fixturesOptions are the parsed flags of "taskmock fixtures".
type fixturesOptions struct {
	api           specs.Name
	count         int
	seed          uint64
	out, format   string
	cover         bool
	lang          string
	state, status string
	now           time.Time
	baseURL       string
}

// runFixtures runs "taskmock fixtures" with args (after the command name).
// Like Run, it prints every error as one line on stderr and returns it as
// an *ExitError.
func runFixtures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: stdout, stderr: stderr}
	return e.fixtures(args)
}

func (e *env) fixtures(args []string) error {
	const cmd = "taskmock fixtures"
	fs := newFlagSet("fixtures")
	api := fs.String("api", "", "")
	count := fs.String("count", "", "")
	seed := fs.String("seed", "1", "")
	out := fs.String("out", "", "")
	format := fs.String("format", fixturesNDJSON, "")
	cover := fs.Bool("cover", false, "")
	lang := fs.String("lang", "", "")
	state := fs.String("state", "", "")
	status := fs.String("status", "", "")
	now := fs.String("now", "", "")
	baseURL := fs.String("base-url", "", "")
	pos, help, err := e.parse(fs, cmd, fixturesUsage, args)
	if err != nil || help {
		return err
	}
	if len(pos) > 0 {
		return e.usageFail(cmd, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	bad := func(format string, a ...any) error { return e.usageFail(cmd, fmt.Errorf(format, a...)) }

	var o fixturesOptions
	switch {
	case !given["api"]:
		return e.usageFail(cmd, errors.New("missing --api: esri or oracle"))
	case !given["count"]:
		return e.usageFail(cmd, errors.New("missing --count: the number of tasks"))
	}
	a, err := specs.Get(*api)
	if err != nil {
		return bad("--api must be %s, got %q", choices(specs.Names()), *api)
	}
	o.api = a.Name
	if o.count, err = strconv.Atoi(strings.TrimSpace(*count)); err != nil || o.count <= 0 {
		return bad("--count must be a positive integer, got %q", *count)
	}
	if o.seed, err = strconv.ParseUint(strings.TrimSpace(*seed), 10, 64); err != nil {
		return bad("--seed must be an integer from 0 to %d, got %q", uint64(1<<64-1), *seed)
	}
	formats := []string{fixturesNDJSON, fixturesJSON}
	if *format != fixturesNDJSON && *format != fixturesJSON {
		return bad("--format must be %s, got %q", choices(formats), *format)
	}
	o.out, o.format, o.cover = *out, *format, *cover
	if given["out"] && o.out == "" {
		return bad("--out must name a directory, got \"\"")
	}
	o.now = fixtures.DefaultNow
	if given["now"] {
		if o.now, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(*now)); err != nil {
			return bad("--now must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got %q", *now)
		}
		if fixtures.CheckClock(o.now) != nil {
			return bad("%s", nowRangeError(*now))
		}
	}
	if given["lang"] && !namesLanguage(*lang) {
		return bad("--lang must name %s (a BCP 47 list such as de-DE,de;q=0.9,en;q=0.8), got %q", choices(fixtures.Languages()), *lang)
	}
	o.lang = *lang

	switch {
	case given["state"] && given["status"]:
		return bad("--state and --status cannot be used together (--state is for oracle, --status for esri)")
	case given["state"] && o.api != specs.Oracle:
		return bad("--state applies to --api oracle only; esri tasks take --status")
	case given["status"] && o.api != specs.Esri:
		return bad("--status applies to --api esri only; oracle tasks take --state")
	case given["base-url"] && o.api != specs.Oracle:
		return bad("--base-url applies to --api oracle only")
	case o.cover && given["state"]:
		return bad("--cover cannot be combined with --state: it covers every state")
	case o.cover && given["status"]:
		return bad("--cover cannot be combined with --status: it covers every status")
	}
	if given["state"] {
		row, ok := contract.OracleStateByName(strings.ToUpper(strings.TrimSpace(*state)))
		if !ok {
			return bad("--state must be %s, got %q", choices(oracleStates()), *state)
		}
		o.state = row.State
	}
	if given["status"] {
		row, ok := contract.EsriStatusByName(*status)
		if !ok {
			return bad("--status must be %s, got %q", choices(esriStatuses()), *status)
		}
		o.status = row.Name
	}
	if given["base-url"] {
		if strings.TrimSpace(*baseURL) == "" {
			return bad("--base-url must be a URL such as https://opa.example.com, got \"\"")
		}
		o.baseURL = *baseURL
	}
	plan := coverPlan(o.api)
	if o.cover && o.count < len(plan) {
		what := "state/substate pair"
		if o.api == specs.Esri {
			what = "status"
		}
		return bad("--cover needs --count %d or more for %s (one task per %s), got %d", len(plan), o.api, what, o.count)
	}
	if !o.cover {
		plan = nil
	}
	return e.writeFixtures(cmd, o, plan)
}

// namesLanguage reports whether the BCP 47 list l names a language that
// fixtures supports (or "*").
func namesLanguage(l string) bool {
	for _, item := range strings.Split(l, ",") {
		tag, _, _ := strings.Cut(item, ";")
		tag = strings.TrimSpace(tag)
		if i := strings.IndexAny(tag, "-_"); i >= 0 {
			tag = tag[:i]
		}
		if tag == "*" {
			return true
		}
		for _, s := range fixtures.Languages() {
			if strings.EqualFold(tag, s) {
				return true
			}
		}
	}
	return false
}

func oracleStates() []string {
	var s []string
	for _, st := range contract.OracleStates {
		s = append(s, st.State)
	}
	return s
}

func esriStatuses() []string {
	var s []string
	for _, st := range contract.EsriStatuses {
		s = append(s, st.Name)
	}
	return s
}

// coverPlan returns the constraints of the first tasks of --cover: every
// state/substate pair of the rule table with every priority in turn
// (oracle), every status (esri). The generator tells the rest of each
// story, so every reason action, subaction and identity type follows.
func coverPlan(api specs.Name) []fixtures.Request {
	var plan []fixtures.Request
	if api == specs.Esri {
		for _, st := range contract.EsriStatuses {
			plan = append(plan, fixtures.Request{Status: st.Name})
		}
		return plan
	}
	for _, st := range contract.OracleStates {
		for _, sub := range st.Substates {
			plan = append(plan, fixtures.Request{State: st.State, Substate: sub, Priority: len(plan)%3 + 1})
		}
	}
	return plan
}

// coverage records the documented values the written tasks show.
type coverage map[string]bool

// want returns the values --cover promises for api.
func (coverage) want(api specs.Name) []string {
	var w []string
	if api == specs.Esri {
		for _, st := range contract.EsriStatuses {
			w = append(w, "status "+st.Name)
		}
		return w
	}
	for _, st := range contract.OracleStates {
		w = append(w, "state "+st.State)
		for _, sub := range st.Substates {
			w = append(w, "pair "+st.State+"+"+sub, "substate "+sub)
		}
	}
	for p := 1; p <= 3; p++ {
		w = append(w, "priority "+strconv.Itoa(p))
	}
	for _, a := range contract.OracleActions {
		w = append(w, "action "+a.Action)
	}
	for _, s := range contract.OracleSubactions {
		w = append(w, "subaction "+s.Subaction)
	}
	for _, t := range []string{"USER", "APPCLIENT", "GROUP", "ROLE"} {
		w = append(w, "type "+t)
	}
	return w
}

func (c coverage) addOracle(t fixtures.OracleTask) {
	c["state "+t.State] = true
	c["substate "+t.Substate] = true
	c["pair "+t.State+"+"+t.Substate] = true
	c["priority "+strconv.Itoa(t.Priority)] = true
	ids := append(append([]fixtures.Identity(nil), t.CandidateUsers...), t.CandidateGroups...)
	for _, p := range []*fixtures.Identity{t.FromUser, t.CreatedBy, t.Assignee, t.OriginalAssignee} {
		if p != nil {
			ids = append(ids, *p)
		}
	}
	if r := t.Reason; r != nil {
		c["action "+r.Action] = true
		c["subaction "+r.Subaction] = true
		ids = append(append(ids, r.CandidateUsers...), r.CandidateGroups...)
	}
	for _, id := range ids {
		c["type "+id.Type] = true
	}
}

// missing returns the promised values not seen.
func (c coverage) missing(api specs.Name) []string {
	var m []string
	for _, w := range c.want(api) {
		if !c[w] {
			m = append(m, w)
		}
	}
	return m
}

// fixtureTask is one generated task, ready to be written.
type fixtureTask struct {
	name string // the file name
	body any
}

func (e *env) writeFixtures(cmd string, o fixturesOptions, plan []fixtures.Request) error {
	opts := []fixtures.Option{fixtures.WithSeed(o.seed), fixtures.WithClock(func() time.Time { return o.now })}
	if o.baseURL != "" {
		opts = append(opts, fixtures.WithBaseURL(o.baseURL))
	}
	g := fixtures.New(opts...)
	v, err := contract.New(contract.Strict(true))
	if err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("cannot build the validator: %w", err))
	}
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return e.fail(cmd, ExitUsage, fmt.Errorf("cannot write to %s: %w", o.out, err))
		}
	}
	header := http.Header{"Content-Type": {"application/json"}}
	cov := coverage{}
	array := o.out == "" && o.format == fixturesJSON
	if array {
		if err := e.print("["); err != nil {
			return err
		}
	}
	for i := 0; i < o.count; i++ {
		if e.ctx.Err() != nil {
			return e.fail(cmd, ExitUsage, errors.New("interrupted"))
		}
		req := fixtures.Request{Lang: o.lang, State: o.state, Status: o.status}
		if i < len(plan) {
			req.State, req.Substate, req.Priority, req.Status = plan[i].State, plan[i].Substate, plan[i].Priority, plan[i].Status
		}
		task, err := generateFixture(g, o.api, i, req, cov)
		if err != nil {
			// The flags were checked: the generator refusing them is a bug.
			return e.fail(cmd, ExitViolations, fmt.Errorf("task %d: %w (a bug in taskmock)", i+1, err))
		}
		compact, err := json.Marshal(task.body)
		if err != nil {
			return e.fail(cmd, ExitViolations, fmt.Errorf("task %d: %w (a bug in taskmock)", i+1, err))
		}
		rep := v.Validate(contract.Exchange{API: o.api, Status: http.StatusOK, Header: header, Body: compact})
		if len(rep.Violations) > 0 {
			x := rep.Violations[0]
			return e.fail(cmd, ExitViolations, fmt.Errorf("generated task %s violates the contract: %s %s at %s: %s (%d violations; a bug in taskmock)",
				strings.TrimSuffix(task.name, ".json"), x.Severity, x.Rule, x.Location, x.Message, len(rep.Violations)))
		}
		switch {
		case o.out != "":
			pretty, _ := json.MarshalIndent(task.body, "", "  ")
			path := filepath.Join(o.out, task.name)
			if err := writeFile(path, append(pretty, '\n')); err != nil {
				return e.fail(cmd, ExitUsage, fmt.Errorf("cannot write %s: %w", path, err))
			}
			if err := e.print(path + "\n"); err != nil {
				return err
			}
		case array:
			pretty, _ := json.MarshalIndent(task.body, "  ", "  ")
			sep := ",\n  "
			if i == 0 {
				sep = "\n  "
			}
			if err := e.print(sep + string(pretty)); err != nil {
				return err
			}
		default:
			if err := e.print(string(compact) + "\n"); err != nil {
				return err
			}
		}
	}
	if array {
		if err := e.print("\n]\n"); err != nil {
			return err
		}
	}
	if plan != nil {
		if m := cov.missing(o.api); len(m) > 0 {
			return e.fail(cmd, ExitViolations, fmt.Errorf("--cover missed %s (a bug in taskmock)", strings.Join(m, ", ")))
		}
	}
	return nil
}

// generateFixture makes task i of api and records its values in cov.
func generateFixture(g *fixtures.Generator, api specs.Name, i int, req fixtures.Request, cov coverage) (fixtureTask, error) {
	if api == specs.Esri {
		id := g.EsriIdentity(i)
		res, err := g.Esri(id, req)
		if err != nil {
			return fixtureTask{}, err
		}
		cov["status "+res.Task.Status] = true
		return fixtureTask{name: fixtures.FileName(id.TaskGroupJobID + "_" + id.TaskOperationID), body: res}, nil
	}
	task, err := g.Oracle(g.OracleIdentity(i), req)
	if err != nil {
		return fixtureTask{}, err
	}
	cov.addOracle(task)
	return fixtureTask{name: fixtures.FileName(task.ID), body: task}, nil
}

// nowRangeError is the error of a --now outside the clocks the generator
// can tell a story around, for serve and fixtures alike.
func nowRangeError(now string) error {
	return fmt.Errorf("--now must be from %s to %s (the tasks' dates lie up to a year around it, within the years 0001 to 9999), got %q",
		fixtures.EarliestClock.Format(time.RFC3339), fixtures.LatestClock.Format(time.RFC3339), now)
}
