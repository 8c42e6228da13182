package mockserver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/specs"
)

// The embedded seed examples: the JSON response examples of the vendors'
// reference pages, byte for byte.
const (
	esriExampleFile   = "examples/esri-getTask-example.json"
	oracleExampleFile = "examples/oracle-get-task-example.json"
)

// seedExamples holds the parsed seed examples.
type seedExamples struct {
	esri       object // {"task": {...}, "success": true}
	esriTask   object
	oracle     object
	esriStatus string
	oracleMeta struct{ state, substate string }
}

func loadSeeds() (seedExamples, error) {
	var s seedExamples
	b, err := exampleFiles.ReadFile(esriExampleFile)
	if err != nil {
		return s, err
	}
	if s.esri, err = parseObject(b); err != nil {
		return s, fmt.Errorf("%s: %w", esriExampleFile, err)
	}
	if s.esriTask, err = s.esri.child("task"); err != nil {
		return s, fmt.Errorf("%s: %w", esriExampleFile, err)
	}
	s.esriStatus, _ = s.esriTask.str("status")
	if b, err = exampleFiles.ReadFile(oracleExampleFile); err != nil {
		return s, err
	}
	if s.oracle, err = parseObject(b); err != nil {
		return s, fmt.Errorf("%s: %w", oracleExampleFile, err)
	}
	s.oracleMeta.state, _ = s.oracle.str("state")
	s.oracleMeta.substate, _ = s.oracle.str("substate")
	return s, nil
}

// esriID is the identity of an Esri task as the request gave it.
type esriID struct {
	taskGroupJobID, taskOperationID string
}

// seedLang is the language of the seed examples.
const seedLang = "en"

// A task and where it came from. A generated task comes as raw, the
// compact JSON its AppendJSON writes (json.Marshal's bytes), and is read
// into body only when an answer needs its members (the counts of
// totalResultsGrouped); any other task comes as body.
type task struct {
	body   object
	raw    []byte
	buf    *[]byte                // holds raw; back to encodeBuffers on release
	esri   *fixtures.EsriResponse // a generated Esri task, for the HTML page
	lang   string                 // its language, for Content-Language
	source string                 // "seed" or "task", for the log
}

// encodeBuffers are the buffers generated tasks are encoded into, reused
// from one request to the next.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooledBuffer is the capacity beyond which a buffer is not reused.
const maxPooledBuffer = 64 << 10

// release gives the task's buffer back for reuse, once its bytes are
// written; t.raw must not be used after.
func (t task) release() {
	if t.buf != nil && cap(t.raw) <= maxPooledBuffer {
		*t.buf = t.raw[:0] // AppendJSON may have grown it
		encodeBuffers.Put(t.buf)
	}
}

// object returns the task's members.
func (t task) object() (object, error) {
	if t.body != nil {
		return t.body, nil
	}
	return parseObject(t.raw)
}

// compact returns the task's compact JSON, as jsonMarshal writes it.
func (t task) compact() ([]byte, error) {
	if t.body == nil && t.raw != nil {
		return t.raw, nil
	}
	return jsonMarshal(t.body, "")
}

// encodeOracle encodes a generated Oracle task into a pooled buffer, as
// jsonMarshal would encode the object read from it (json.Marshal's
// compact, HTML-escaped output, whose member order and value bytes are the
// object's): the caller releases it once written.
func encodeOracle(t *fixtures.OracleTask) (task, error) {
	buf := encodeBuffers.Get().(*[]byte)
	raw, err := t.AppendJSON((*buf)[:0])
	if err != nil {
		encodeBuffers.Put(buf)
		return task{}, err
	}
	return task{raw: raw, buf: buf, lang: t.Lang, source: "task"}, nil
}

// encodeEsri is encodeOracle for a getTask response.
func encodeEsri(r *fixtures.EsriResponse) (task, error) {
	buf := encodeBuffers.Get().(*[]byte)
	raw, err := r.AppendJSON((*buf)[:0])
	if err != nil {
		encodeBuffers.Put(buf)
		return task{}, err
	}
	return task{raw: raw, buf: buf, esri: r, lang: r.Lang, source: "task"}, nil
}

// esriTask returns the getTask response for id: a generated task, or the
// seed example when ctl asks for it.
func (s *Server) esriTask(r *http.Request, id esriID, ctl control) (task, error) {
	if ctl.example == "seed" {
		body, err := s.esriSeed(id, ctl)
		return task{body: body, lang: seedLang, source: "seed"}, err
	}
	if st, ok := s.store.get(esriKey(id.taskOperationID)); ok {
		body, err := esriStored(st, id, ctl)
		return task{body: body, source: "fixture"}, err
	}
	return s.esriGenerated(r, id, ctl)
}

// oracleTask returns task id with links under base: a generated task, or
// the seed example when ctl asks for it.
func (s *Server) oracleTask(r *http.Request, id, base string, ctl control) (task, error) {
	if ctl.example == "seed" {
		body, err := s.oracleSeed(id, base, ctl)
		return task{body: body, lang: seedLang, source: "seed"}, err
	}
	if st, ok := s.store.get(taskKey{api: specs.Oracle, id: id}); ok {
		body, err := oracleStored(st, id, base, ctl)
		return task{body: body, source: "fixture"}, err
	}
	// Where the world has the task: the point its polls reached and its
	// latest reassignment. A forced state shows a point of the story alone.
	k := taskKey{api: specs.Oracle, id: id}
	var point [2]string
	var re *fixtures.Reassignment
	switch {
	case ctl.scenario != "":
		point, re, _ = s.world.oracleStep(k, func() [2]string {
			// Where the untouched story is: the polls go on from there.
			t, err := s.gen.Oracle(id, fixtures.Request{})
			if err != nil {
				return [2]string{"UNASSIGNED", "INITIATED"}
			}
			return [2]string{t.State, t.Substate}
		})
	case ctl.state == "" && ctl.substate == "":
		point, re = s.world.oracleView(k)
	}
	if point[0] != "" {
		ctl.state, ctl.substate = point[0], point[1]
	}
	t, err := s.gen.Oracle(id, fixtures.Request{
		Lang:       r.Header.Get("Accept-Language"),
		BaseURL:    base,
		State:      ctl.state,
		Substate:   ctl.substate,
		Priority:   ctl.priority,
		Reassigned: re,
	})
	if err != nil {
		return task{}, generatorError(err)
	}
	return encodeOracle(&t)
}

// errUnknownTask is a task id the generator refuses: not found.
var errUnknownTask = errors.New("unknown task")

// generatorError maps an error of the generator: a constraint it cannot
// honour is a control error, an identity it refuses an unknown task.
func generatorError(err error) error {
	switch {
	case errors.Is(err, fixtures.ErrConstraint):
		msg := strings.TrimPrefix(err.Error(), fixtures.ErrConstraint.Error()+": ")
		return &controlError{msg: "Prefer: " + msg}
	case errors.Is(err, fixtures.ErrIdentity):
		return fmt.Errorf("%w: %v", errUnknownTask, err)
	}
	return err
}

// esriSeed returns the seed example's response for id, or a control error
// when ctl asks for what the example is not.
func (s *Server) esriSeed(id esriID, ctl control) (object, error) {
	if ctl.status != "" && !sameEsriStatus(ctl.status, s.seeds.esriStatus) {
		return nil, controlErrorf("%s: the seed example's task has status %s", ctl.label("status"), s.seeds.esriStatus)
	}
	task, err := s.seeds.esriTask.with("taskOperationId", id.taskOperationID)
	if err != nil {
		return nil, err
	}
	return s.seeds.esri.with("task", task)
}

// oracleSeed returns the seed example for id, with links under base.
func (s *Server) oracleSeed(id, base string, ctl control) (object, error) {
	m := s.seeds.oracleMeta
	switch {
	case ctl.state != "" && ctl.state != m.state:
		return nil, controlErrorf("%s: the seed example's task is %s", ctl.label("state"), m.state)
	case ctl.substate != "" && ctl.substate != m.substate:
		return nil, controlErrorf("%s: the seed example's task has substate %s", ctl.label("substate"), m.substate)
	case ctl.priority != 0:
		if p, ok := s.seeds.oracle.get("priority"); ok && string(p) != fmt.Sprint(ctl.priority) {
			return nil, controlErrorf("%s: the seed example's task has priority %s", ctl.label("priority"), p)
		}
	}
	o, err := s.seeds.oracle.with("links", oracleLinks(base, id))
	if err != nil {
		return nil, err
	}
	return o.with("id", id)
}

// oracleLink is one item of a task's links, in the example's member order.
type oracleLink struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

// oracleLinks returns the links of task id under base (scheme://host), as
// the example has them: self, parent, comments, documents, payload.
func oracleLinks(base, id string) []oracleLink {
	self := base + OraclePrefix + url.PathEscape(id)
	return []oracleLink{
		{Href: self, Rel: "self"},
		{Href: base + OraclePrefix[:len(OraclePrefix)-1], Rel: "parent"},
		{Href: self + "/comments", Rel: "comments"},
		{Href: self + "/documents", Rel: "documents"},
		{Href: self + "/payload", Rel: "payload"},
	}
}

// groupedCounts are the child task counts of totalResultsGrouped=true.
type groupedCounts struct {
	Total   int `json:"total"`
	Open    int `json:"open"`
	Closed  int `json:"closed"`
	Overdue int `json:"overdue"`
}

// countsFor derives the child task counts of a task from the seed and its
// id: the same task always has the same counts, and they add up (open +
// closed = total, overdue <= open).
func (s *Server) countsFor(id string) groupedCounts {
	h := fnv.New64a()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.seed)
	h.Write(b[:])
	h.Write([]byte(id))
	x := h.Sum64()
	total := int(x % 6)
	closed := int((x >> 8) % uint64(total+1))
	open := total - closed
	overdue := int((x >> 16) % uint64(open+1))
	return groupedCounts{Total: total, Open: open, Closed: closed, Overdue: overdue}
}

// jsonMarshal encodes v compactly, or indented by indent when it is not
// empty, escaping <, > and & so that no body can be read as markup.
func jsonMarshal(v any, indent string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || indent == "" {
		return b, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", indent); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// esriStored returns a stored Esri task for id: its taskOperationId spelled
// as the request spells it.
func esriStored(st storedTask, id esriID, ctl control) (object, error) {
	task, err := st.body.child("task")
	if err != nil {
		return nil, err
	}
	if status, _ := task.str("status"); ctl.status != "" && !sameEsriStatus(ctl.status, status) {
		return nil, controlErrorf("%s: the stored task (%s) has status %s", ctl.label("status"), st.source, status)
	}
	if task, err = task.with("taskOperationId", id.taskOperationID); err != nil {
		return nil, err
	}
	return st.body.with("task", task)
}

// oracleStored returns stored Oracle task id with its links moved under
// base and pointing at id.
func oracleStored(st storedTask, id, base string, ctl control) (object, error) {
	state, _ := st.body.str("state")
	substate, _ := st.body.str("substate")
	switch {
	case ctl.state != "" && ctl.state != state:
		return nil, controlErrorf("%s: the stored task (%s) is %s", ctl.label("state"), st.source, state)
	case ctl.substate != "" && ctl.substate != substate:
		return nil, controlErrorf("%s: the stored task (%s) has substate %s", ctl.label("substate"), st.source, substate)
	case ctl.priority != 0:
		if p, ok := st.body.get("priority"); ok && string(p) != fmt.Sprint(ctl.priority) {
			return nil, controlErrorf("%s: the stored task (%s) has priority %s", ctl.label("priority"), st.source, p)
		}
	}
	raw, ok := st.body.get("links")
	if !ok {
		return st.body, nil
	}
	var links []json.RawMessage
	if json.Unmarshal(raw, &links) != nil {
		return st.body, nil
	}
	moved := make([]object, 0, len(links))
	for _, l := range links {
		link, err := parseObject(l)
		if err != nil {
			return st.body, nil
		}
		if href, ok := link.str("href"); ok {
			if moved, ok := moveLink(href, id, base); ok {
				if link, err = link.with("href", moved); err != nil {
					return nil, err
				}
			}
		}
		moved = append(moved, link)
	}
	return st.body.with("links", moved)
}

// moveLink rewrites a link of a stored task, such as
// https://host/process/api/v1/tasks/OLD/comments, to the request's base and
// the task's id: BASE/process/api/v1/tasks/ID/comments. A link elsewhere is
// kept.
func moveLink(href, id, base string) (string, bool) {
	collection := OraclePrefix[:len(OraclePrefix)-1]
	i := strings.Index(href, collection)
	if i < 0 {
		return "", false
	}
	rest := href[i+len(collection):]
	if tail, ok := strings.CutPrefix(rest, "/"); ok && tail != "" {
		_, after, _ := strings.Cut(tail, "/")
		if after != "" {
			after = "/" + after
		}
		return base + OraclePrefix + url.PathEscape(id) + after, true
	}
	return base + href[i:], true
}
