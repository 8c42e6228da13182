package mockserver

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/taskmock/taskmock/contract"
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

// store holds the stored tasks and the progress of scenarios: the state a
// Server keeps between requests, safe for concurrent use.
type store struct {
	mu       sync.RWMutex
	tasks    map[taskKey]storedTask
	loaded   map[taskKey]storedTask // the fixtures, for reset
	progress map[taskKey]int        // polls seen per task, for scenario=progress
}

func newStore() *store {
	return &store{tasks: map[taskKey]storedTask{}, loaded: map[taskKey]storedTask{}, progress: map[taskKey]int{}}
}

func (st *store) get(k taskKey) (storedTask, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	t, ok := st.tasks[k]
	return t, ok
}

// put stores t and reports whether it replaced a task.
func (st *store) put(k taskKey, t storedTask) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, had := st.tasks[k]
	st.tasks[k] = t
	return had
}

func (st *store) delete(k taskKey) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, had := st.tasks[k]
	delete(st.tasks, k)
	return had
}

// reset restores the fixtures and forgets the progress of scenarios.
func (st *store) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.tasks = make(map[taskKey]storedTask, len(st.loaded))
	for k, t := range st.loaded {
		st.tasks[k] = t
	}
	st.progress = map[taskKey]int{}
}

// keys returns the keys of the stored tasks, sorted by API and id.
func (st *store) keys() []taskKey {
	st.mu.RLock()
	defer st.mu.RUnlock()
	keys := make([]taskKey, 0, len(st.tasks))
	for k := range st.tasks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].api != keys[j].api {
			return keys[i].api < keys[j].api
		}
		return keys[i].id < keys[j].id
	})
	return keys
}

// step returns the number of polls of k seen before this one, and counts
// this one.
func (st *store) step(k taskKey) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := st.progress[k]
	st.progress[k] = n + 1
	return n
}

// WithFixtures loads the task files of dir (*.json, at any depth) as
// written by "taskmock fixtures" or recorded from a real server: an Oracle
// task, or an Esri getTask body. They take precedence over generated tasks
// for their ids (an Oracle task's id; an Esri task's taskOperationId, in
// any task group). Every file is validated when New runs: a file that is
// not a task that keeps the contract makes New fail, with one error per
// file naming it and its violations.
func WithFixtures(dir string) Option {
	return func(s *Server) { s.fixtureDirs = append(s.fixtureDirs, dir) }
}

// loadFixtures reads the fixture directories into the store.
func (s *Server) loadFixtures() error {
	var errs []error
	for _, dir := range s.fixtureDirs {
		fsys := os.DirFS(dir)
		err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || path.Ext(name) != ".json" {
				return nil
			}
			file := filepath.Join(dir, filepath.FromSlash(name))
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
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
	}
	s.store.reset()
	return errors.Join(errs...)
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
		if !isGUID(id) {
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
