package mockserver

import (
	"bufio"
	"bytes"
	"container/list"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/specs"
)

// taskKey identifies a stored task: an Oracle task id as is, or an Esri
// taskOperationId in canonical form (upper case, no braces), whatever the
// task group.
type taskKey struct {
	api specs.Name
	id  string
}

// esriKey returns the key of an Esri taskOperationId.
func esriKey(taskOperationID string) taskKey {
	id := strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(taskOperationID, "{"), "}"))
	return taskKey{api: specs.Esri, id: id}
}

// storedTask is a task that takes precedence over generated ones.
type storedTask struct {
	body   object
	source string // the fixture file, or "admin"
}

// The bounds of the state a Server keeps between requests. The fixtures
// are not counted: they are what the operator gave, read once.
const (
	// DefaultMaxStoredTasks is the number of tasks the admin API keeps
	// (stored, or fixtures it removed) before it evicts the oldest.
	DefaultMaxStoredTasks = 1000
	// DefaultMaxStoredBytes is the size of the tasks the admin API keeps,
	// counted as their compact JSON, before it evicts the oldest.
	DefaultMaxStoredBytes = 4 << 20
)

// WithStoreLimits bounds the tasks the admin API keeps: at most tasks
// tasks, of at most bytes bytes together (counted as compact JSON). A PUT
// beyond either bound evicts the tasks stored longest ago, oldest first,
// and its answer names them in a Taskmock-Evicted header; an evicted id
// answers as before its PUT (its fixture, or a generated task). The
// defaults are DefaultMaxStoredTasks and DefaultMaxStoredBytes; bytes must
// hold at least one task of the largest PUT body (1 MiB).
func WithStoreLimits(tasks, bytes int) Option {
	return func(s *Server) {
		if tasks < 1 || bytes < maxTaskBytes {
			s.optErrs = append(s.optErrs, fmt.Errorf("store limits: expected at least 1 task and %d bytes, got %d and %d", maxTaskBytes, tasks, bytes))
			return
		}
		s.limits = storeLimits{tasks: tasks, bytes: bytes}
	}
}

// storeLimits are the bounds of WithStoreLimits.
type storeLimits struct {
	tasks, bytes int
}

// adminEdit is what the admin API changed for one key: a task it stored,
// or a fixture it removed (deleted).
type adminEdit struct {
	task    storedTask
	deleted bool
	size    int
}

// store holds the fixtures and the admin API's edits over them, safe for
// concurrent use. The edits are bounded, with the oldest evicted first.
type store struct {
	mu     sync.RWMutex
	limits storeLimits
	loaded map[taskKey]storedTask // the fixtures, never changed after New
	edits  *queue[taskKey, adminEdit]
	bytes  int // the size of the edits
}

func newStore(limits storeLimits) *store {
	if limits.tasks == 0 {
		limits = storeLimits{tasks: DefaultMaxStoredTasks, bytes: DefaultMaxStoredBytes}
	}
	return &store{limits: limits, loaded: map[taskKey]storedTask{}, edits: newQueue[taskKey, adminEdit]()}
}

func (st *store) get(k taskKey) (storedTask, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if e, ok := st.edits.get(k); ok {
		return e.task, !e.deleted
	}
	t, ok := st.loaded[k]
	return t, ok
}

// put stores t, and reports whether it replaced a task and which keys it
// evicted to stay within the limits.
func (st *store) put(k taskKey, t storedTask) (replaced bool, evicted []taskKey) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if e, ok := st.edits.get(k); ok {
		replaced = !e.deleted
	} else {
		_, replaced = st.loaded[k]
	}
	t.body = compactObject(t.body)
	st.edit(k, adminEdit{task: t, size: objectSize(t.body)})
	for st.edits.len() > st.limits.tasks || st.bytes > st.limits.bytes {
		old, e, _ := st.edits.oldest()
		if old == k {
			break // the task just stored stays, whatever its size
		}
		st.edits.remove(old)
		st.bytes -= e.size
		evicted = append(evicted, old)
	}
	return replaced, evicted
}

// edit records e for k as the newest edit.
func (st *store) edit(k taskKey, e adminEdit) {
	if prev, ok := st.edits.get(k); ok {
		st.bytes -= prev.size
	}
	st.edits.push(k, e)
	st.bytes += e.size
}

// delete removes the task of k, and reports whether there was one.
func (st *store) delete(k taskKey) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, edited := st.edits.get(k)
	_, fixture := st.loaded[k]
	switch {
	case edited && e.deleted:
		return false
	case fixture:
		// The fixture stays hidden until a reset, or until the edit is evicted.
		st.edit(k, adminEdit{deleted: true})
		for st.edits.len() > st.limits.tasks {
			old, e, _ := st.edits.oldest()
			st.edits.remove(old)
			st.bytes -= e.size
		}
		return true
	case edited:
		st.edits.remove(k)
		st.bytes -= e.size
		return true
	}
	return false
}

// restore undoes the admin edits of k: a fixture answers again as loaded,
// a task only an admin PUT stored is gone. It reports whether there was an
// edit.
func (st *store) restore(k taskKey) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.edits.get(k)
	if ok {
		st.edits.remove(k)
		st.bytes -= e.size
	}
	return ok
}

// reset restores the fixtures.
func (st *store) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.edits = newQueue[taskKey, adminEdit]()
	st.bytes = 0
}

// keys returns the keys of the stored tasks, sorted by API and id.
func (st *store) keys() []taskKey {
	st.mu.RLock()
	defer st.mu.RUnlock()
	keys := make([]taskKey, 0, len(st.loaded)+st.edits.len())
	for k := range st.loaded {
		if _, edited := st.edits.get(k); !edited {
			keys = append(keys, k)
		}
	}
	st.edits.each(func(k taskKey, e adminEdit) {
		if !e.deleted {
			keys = append(keys, k)
		}
	})
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].api != keys[j].api {
			return keys[i].api < keys[j].api
		}
		return keys[i].id < keys[j].id
	})
	return keys
}

// objectSize returns the size of o as compact JSON, near enough for a
// bound: its members' names and values, with their punctuation.
func objectSize(o object) int {
	n := 2 + max(len(o)-1, 0) // braces and commas
	for _, m := range o {
		n += len(m.key) + 3 + len(m.value) // "key":value
	}
	return n
}

// compactObject returns a copy of o in three allocations, whatever its
// number of members: the names share one string, the values one buffer.
// A stored task lives long; parsed, each of its members is an allocation
// of its own.
func compactObject(o object) object {
	var names strings.Builder
	size := 0
	for _, m := range o {
		names.WriteString(m.key)
		size += len(m.value)
	}
	all := names.String()
	values := make([]byte, 0, size)
	out := make(object, len(o))
	for i, m := range o {
		out[i].key, all = all[:len(m.key)], all[len(m.key):]
		start := len(values)
		values = append(values, m.value...)
		out[i].value = values[start:len(values):len(values)]
	}
	return out
}

// queue is a map that remembers the order its keys were last pushed in,
// oldest first. It is not safe for concurrent use.
type queue[K comparable, V any] struct {
	order *list.List // of *entry[K, V], oldest at the front
	index map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key   K
	value V
}

func newQueue[K comparable, V any]() *queue[K, V] {
	return &queue[K, V]{order: list.New(), index: map[K]*list.Element{}}
}

func (q *queue[K, V]) len() int { return len(q.index) }

func (q *queue[K, V]) get(k K) (V, bool) {
	if el, ok := q.index[k]; ok {
		return el.Value.(*entry[K, V]).value, true
	}
	var zero V
	return zero, false
}

// push sets the value of k and makes it the newest.
func (q *queue[K, V]) push(k K, v V) {
	if el, ok := q.index[k]; ok {
		el.Value.(*entry[K, V]).value = v
		q.order.MoveToBack(el)
		return
	}
	q.index[k] = q.order.PushBack(&entry[K, V]{key: k, value: v})
}

// oldest returns the key pushed longest ago.
func (q *queue[K, V]) oldest() (K, V, bool) {
	el := q.order.Front()
	if el == nil {
		var k K
		var v V
		return k, v, false
	}
	e := el.Value.(*entry[K, V])
	return e.key, e.value, true
}

func (q *queue[K, V]) remove(k K) {
	if el, ok := q.index[k]; ok {
		q.order.Remove(el)
		delete(q.index, k)
	}
}

// each calls f for every key, oldest first.
func (q *queue[K, V]) each(f func(K, V)) {
	for el := q.order.Front(); el != nil; el = el.Next() {
		e := el.Value.(*entry[K, V])
		f(e.key, e.value)
	}
}

// WithFixtures loads the task files of dir (*.json, at any depth) as
// written by "taskmock fixtures" or recorded from a real server: an Oracle
// task, or an Esri getTask body. They take precedence over generated tasks
// for their ids (an Oracle task's id; an Esri task's taskOperationId, in
// any task group). Every file is validated when New runs: a file that is
// not a task that keeps the contract makes New fail, with one error per
// file naming it and its violations.
//
// Only regular files inside dir are read, each of at most 1 MiB (the
// limit of an admin PUT) and nested at most jsonlimit.DefaultMaxDepth
// levels. A relative symbolic link is followed while it stays inside dir;
// a *.json entry that is anything else (a named pipe, a device, a socket,
// a directory, a link that leaves dir or leads nowhere, a file over the
// limit) is skipped, with one warning each in the log of WithLogger, and
// is never opened. Symbolic links to directories are not walked into.
func WithFixtures(dir string) Option {
	return func(s *Server) { s.fixtureDirs = append(s.fixtureDirs, dir) }
}

// isNDJSON reports whether path names an NDJSON file of tasks (*.ndjson,
// *.jsonl), as "taskmock fixtures" writes to standard output.
func isNDJSON(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".ndjson" || ext == ".jsonl"
}

// The bounds of an NDJSON fixture file: a task per line, each line at most
// maxFixtureBytes.
const (
	maxNDJSONTasks = 10000
	maxNDJSONBytes = 64 << 20
)

// loadFixtureNDJSON reads the tasks of an NDJSON file, one per line (blank
// lines skipped), into the store, each named FILE:LINE; it returns an
// error for each line that is not a valid task. Only a regular file is
// opened (never a named pipe or a device), of at most maxNDJSONBytes and
// maxNDJSONTasks lines.
func (s *Server) loadFixtureNDJSON(file string) []error {
	fail := func(err error) []error { return []error{fmt.Errorf("mockserver: fixtures %s: %w", file, err)} }
	fi, err := os.Stat(file)
	switch {
	case err != nil:
		return fail(err)
	case !fi.Mode().IsRegular():
		return fail(errors.New("not a regular file (" + fileKind(fi.Mode().Type()) + ")"))
	case fi.Size() > maxNDJSONBytes:
		return fail(fmt.Errorf("larger than %s", jsonlimit.Size(maxNDJSONBytes)))
	}
	f, err := os.OpenFile(file, fixtureOpenFlags, 0)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fail(errors.New("not a regular file"))
	}
	sc := bufio.NewScanner(io.LimitReader(f, maxNDJSONBytes+1))
	sc.Buffer(make([]byte, 0, 64<<10), maxFixtureBytes+1)
	var errs []error
	line, tasks := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		where := file + ":" + strconv.Itoa(line)
		if tasks++; tasks > maxNDJSONTasks {
			return append(errs, fmt.Errorf("mockserver: fixtures %s: more than %d tasks", file, maxNDJSONTasks))
		}
		key, body, err := s.readTask("", "", bytes.Clone(b))
		if err != nil {
			errs = append(errs, fmt.Errorf("mockserver: fixture %s: %w", where, err))
			continue
		}
		if prev, dup := s.store.loaded[key]; dup {
			errs = append(errs, fmt.Errorf("mockserver: fixture %s: %s task %s is also in %s", where, key.api, key.id, prev.source))
			continue
		}
		s.store.loaded[key] = storedTask{body: body, source: where}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line %d is longer than %s, the limit of a task", line+1, jsonlimit.Size(maxFixtureBytes))
		}
		errs = append(errs, fmt.Errorf("mockserver: fixtures %s: %w", file, err))
	}
	return errs
}

// maxFixtureBytes limits a fixture file: a task is at most as large
// whether it is PUT or read from a file.
const maxFixtureBytes = maxTaskBytes

// loadFixtures reads the fixture directories into the store.
func (s *Server) loadFixtures() error {
	var errs []error
	for _, dir := range s.fixtureDirs {
		if isNDJSON(dir) {
			errs = append(errs, s.loadFixtureNDJSON(dir)...)
			continue
		}
		errs = append(errs, s.loadFixtureDir(dir)...)
	}
	s.store.reset()
	return errors.Join(errs...)
}

// loadFixtureDir reads the fixtures of dir into the store, and returns an
// error for each file that is not a valid task. Every name is resolved
// inside dir (os.Root): no link, however it is spelled, reads a file
// outside it.
func (s *Server) loadFixtureDir(dir string) []error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return []error{fmt.Errorf("mockserver: fixtures %s: %w", dir, err)}
	}
	defer root.Close()
	var errs []error
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(name) != ".json" {
			return nil
		}
		file := filepath.Join(dir, filepath.FromSlash(name))
		b, skip, err := readFixture(root, name, d.Type())
		switch {
		case skip != "":
			s.log.Warn("fixture skipped", "file", file, "reason", skip)
			return nil
		case err != nil:
			errs = append(errs, fmt.Errorf("mockserver: fixture %s: %w", file, err))
			return nil
		}
		key, body, err := s.readTask("", "", b)
		if err != nil {
			errs = append(errs, fmt.Errorf("mockserver: fixture %s: %w", file, err))
			return nil
		}
		if prev, dup := s.store.loaded[key]; dup {
			errs = append(errs, fmt.Errorf("mockserver: fixture %s: %s task %s is also in %s", file, key.api, key.id, prev.source))
			return nil
		}
		s.store.loaded[key] = storedTask{body: body, source: file}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("mockserver: fixtures %s: %w", dir, err))
	}
	return errs
}

// readFixture reads the fixture file name of root, whose directory entry
// has type mode. It returns why the file is skipped instead, when it is
// not a regular file inside root of at most maxFixtureBytes; only a
// regular file is ever opened, so that a named pipe cannot block and a
// device cannot be read without end. The file is opened without blocking
// and checked again once open, so that one replaced after the directory
// was read (by a named pipe, a directory, a larger file) is skipped too.
func readFixture(root *os.Root, name string, mode fs.FileMode) (b []byte, skip string, err error) {
	if mode&fs.ModeSymlink != 0 {
		fi, err := root.Stat(name) // follows links while they stay inside root
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, "a symbolic link that leads nowhere", nil
			}
			return nil, "a symbolic link that leaves the directory (only relative links to files inside it are followed)", nil
		}
		mode = fi.Mode().Type()
	}
	if !mode.IsRegular() {
		return nil, "not a regular file (" + fileKind(mode) + ")", nil
	}
	f, err := root.OpenFile(name, fixtureOpenFlags, 0)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	tooLarge := fmt.Sprintf("larger than %s, the limit of a task", jsonlimit.Size(maxFixtureBytes))
	switch {
	case !fi.Mode().IsRegular(): // replaced since the directory was read
		return nil, "not a regular file (" + fileKind(fi.Mode().Type()) + ")", nil
	case fi.Size() > maxFixtureBytes:
		return nil, tooLarge, nil
	}
	b, err = io.ReadAll(io.LimitReader(f, maxFixtureBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(b) > maxFixtureBytes { // grown since its Stat
		return nil, tooLarge, nil
	}
	return b, "", nil
}

// fileKind names the type of a file that is not a regular one.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

// taskError is a task that does not keep the contract.
type taskError struct {
	msg        string
	violations []contract.Violation
}

func (e *taskError) Error() string { return e.msg }

// readTask parses and validates a stored task. api and id, when given, are
// those the caller stores it under (the admin API); else the API is told
// from the body (an Esri body has "task") and the id read from it. A task
// without an id gets the given one.
func (s *Server) readTask(api specs.Name, id string, b []byte) (taskKey, object, error) {
	if err := jsonlimit.Check(b, jsonlimit.Limits{MaxBytes: maxTaskBytes}); err != nil {
		return taskKey{}, nil, &taskError{msg: err.Error()}
	}
	if err := plainJSON(b); err != nil {
		return taskKey{}, nil, &taskError{msg: err.Error()}
	}
	body, err := parseObject(b)
	if err != nil {
		return taskKey{}, nil, &taskError{msg: "not a JSON object: " + err.Error()}
	}
	if api == "" {
		api = specs.Oracle
		if _, ok := body.get("task"); ok {
			api = specs.Esri
		}
	}
	var key taskKey
	switch api {
	case specs.Esri:
		task, err := body.child("task")
		if err != nil {
			return taskKey{}, nil, &taskError{msg: `not a getTask body: expected {"task": {...}, "success": true}`}
		}
		got, _ := task.str("taskOperationId")
		switch {
		case id == "":
			id = got
		case got == "":
			if task, err = task.with("taskOperationId", id); err == nil {
				body, err = body.with("task", task)
			}
			if err != nil {
				return taskKey{}, nil, err
			}
		case esriKey(got) != esriKey(id):
			return taskKey{}, nil, &taskError{msg: fmt.Sprintf("the task's taskOperationId %s is not %s", quoteValue(got), quoteValue(id))}
		}
		if !contract.IsGUID(id) {
			return taskKey{}, nil, &taskError{msg: fmt.Sprintf("taskOperationId %s is not a GUID", quoteValue(id))}
		}
		key = esriKey(id)
	default:
		got, _ := body.str("id")
		switch {
		case id == "":
			id = got
		case got == "":
			if body, err = body.with("id", id); err != nil {
				return taskKey{}, nil, err
			}
		case got != id:
			return taskKey{}, nil, &taskError{msg: fmt.Sprintf("the task's id %s is not %s", quoteValue(got), quoteValue(id))}
		}
		if !wellFormedID(id) {
			return taskKey{}, nil, &taskError{msg: fmt.Sprintf("the task has no well-formed id (found %s)", quoteValue(id))}
		}
		key = taskKey{api: specs.Oracle, id: id}
	}
	raw, err := jsonMarshal(body, "")
	if err != nil {
		return taskKey{}, nil, err
	}
	validator, err := contractValidator()
	if err != nil {
		return taskKey{}, nil, fmt.Errorf("validator: %w", err)
	}
	rep := validator.Validate(contract.Exchange{API: api, Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: raw})
	if rep.Errors() > 0 {
		var errs []contract.Violation
		var parts []string
		for _, v := range rep.Violations {
			if v.Severity == contract.SeverityError {
				errs = append(errs, v)
				parts = append(parts, v.Location+" "+string(v.Rule)+": "+v.Message)
			}
		}
		return taskKey{}, nil, &taskError{
			msg:        fmt.Sprintf("%s task %s violates the contract: %s", api, key.id, strings.Join(parts, "; ")),
			violations: errs,
		}
	}
	return key, body, nil
}

// plainJSON refuses JSON that parsers read differently, which the mock
// would otherwise serve as it was given: bytes that are not UTF-8, and a
// member an object gives twice (one client sees the first, another the
// last). Call it on b that jsonlimit.Check accepted.
func plainJSON(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("not valid UTF-8")
	}
	if at, ok := jsonlimit.Duplicate(b); ok {
		return fmt.Errorf("the member %s is given twice; give it once", at)
	}
	return nil
}
