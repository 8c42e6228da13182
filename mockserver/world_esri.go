package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
)

// The Esri side of the world. A task group job is a story
// (fixtures.EsriJob): its series of tasks, in order, at a progress point.
// What the world keeps of a job is what the requests did to it: the tasks
// updateTask and the polls of Prefer: scenario=progress moved, and the
// places it gave to the task operation ids outside the job's series.
//
// A task operation id that is not one of the job's series (the vendor's
// example ids, say, or ids a client makes up) is a task of the job too:
// the first request that names it with the job, whatever the operation
// (getTask included), places it after the series, at the place drawn from
// the id (fixtures.EsriJob.Place, taskOrder 6 to 100) or, when an id named
// before took that place, the next free one; at most maxEsriJobExtras of
// them. From then on every answer counts it: it starts once the tasks
// before it have ended, hasNextTask counts it while it has not started.
// The places of one job are distinct and deterministic given the sequence
// of requests.
//
// Until the world keeps a first Esri job (and after a reset), getTask of a
// task of a job's series reads the stories alone, without the world's
// mutex: an untouched task is a pure function of the seed, the clock and
// its ids.

// maxEsriJobExtras is the number of task operation ids outside a job's
// series that the world places in one job.
const maxEsriJobExtras = 64

// esriJobState is what the world remembers of one task group job.
type esriJobState struct {
	moved  map[int]fixtures.EsriTaskState // by place: the tasks requests moved
	extras map[string]int                 // canonical taskOperationId -> place, outside the series
	polls  map[int]int                    // by place: the progress polls seen
}

// errJobFull is an id outside the series of a job that has placed
// maxEsriJobExtras of them.
var errJobFull = fmt.Errorf("the task group job already has %d tasks outside its series of %d", maxEsriJobExtras, fixtures.EsriJobSize)

// esriJob returns the state the world keeps of job id, nil when it keeps
// none and create is false; kept, it becomes the newest entry. The caller
// holds w.mu.
func (w *world) esriJob(id string, create bool) *esriJobState {
	if !create {
		js, ok := w.jobs.get(id)
		if !ok {
			return nil
		}
		w.jobs.push(id, js)
		return &js.esri
	}
	js := w.job(id)
	w.esri.Store(true)
	return &js.esri
}

// esriNow is the time of the job's states in the world: the world's clock,
// to the second, never before the story's clock. The caller holds w.mu.
func (w *world) esriNow(job *fixtures.EsriJob) time.Time {
	return maxTime(job.Now, w.now.Truncate(time.Second))
}

// esriTick stamps a mutation of an Esri job: the world's next tick, to the
// second. The caller holds w.mu.
func (w *world) esriTick(job *fixtures.EsriJob) time.Time {
	return maxTime(job.Now.Add(time.Second), w.tick().Truncate(time.Second))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// place returns the place in job of taskOperationId op (a GUID): its place
// in the series, or the place the world gave it, or a new one: the place
// drawn from the id (fixtures.EsriJob.Place), or the next free one after
// it. With a full job, the error is errJobFull.
func (js *esriJobState) place(job *fixtures.EsriJob, op string) (int, error) {
	p, err := job.Place(op)
	if err != nil || p < fixtures.EsriJobSize {
		return p, err
	}
	key := esriKey(op).id
	if q, ok := js.extras[key]; ok {
		return q, nil
	}
	if len(js.extras) >= maxEsriJobExtras {
		return 0, errJobFull
	}
	taken := make(map[int]bool, len(js.extras))
	for _, q := range js.extras {
		taken[q] = true
	}
	for taken[p] {
		if p++; p == fixtures.EsriJobPlaces {
			p = fixtures.EsriJobSize
		}
	}
	if js.extras == nil {
		js.extras = map[string]int{}
	}
	js.extras[key] = p
	return p, nil
}

// state returns where the task at place p stands: as the requests moved
// it, or as its story has it.
func (js *esriJobState) state(job *fixtures.EsriJob, p int) fixtures.EsriTaskState {
	if st, ok := js.moved[p]; ok {
		return st
	}
	return job.State(p)
}

func (js *esriJobState) set(p int, st fixtures.EsriTaskState) {
	if js.moved == nil {
		js.moved = map[int]fixtures.EsriTaskState{}
	}
	js.moved[p] = st
}

// esriTaskRef is a task of a job: its place and taskOperationId.
type esriTaskRef struct {
	place int
	id    string
}

// tasks returns the job's tasks in order: the series, then the ids placed
// after it.
func (js *esriJobState) tasks(job *fixtures.EsriJob) []esriTaskRef {
	out := make([]esriTaskRef, 0, fixtures.EsriJobSize+len(js.extras))
	for p := range fixtures.EsriJobSize {
		out = append(out, esriTaskRef{place: p, id: job.OperationID(p)})
	}
	for id, p := range js.extras {
		out = append(out, esriTaskRef{place: p, id: id})
	}
	slices.SortFunc(out[fixtures.EsriJobSize:], func(a, b esriTaskRef) int { return a.place - b.place })
	return out
}

// esriTransitionError is a move updateTask cannot make, with the detail
// that says why.
type esriTransitionError struct{ detail string }

func (e *esriTransitionError) Error() string { return e.detail }

// statusLabel names a status code as updateTask's documentation does.
func statusLabel(code int) string {
	if code >= 0 && code < len(updateTaskStatuses) {
		return fmt.Sprintf("%d (%s)", code, updateTaskStatuses[code])
	}
	return fmt.Sprint(code)
}

// updateTaskStatuses are the status values of updateTask, by code.
var updateTaskStatuses = [...]string{"Unknown", "Ready", "InProgress", "Completed", "Failed", "Canceled"}

// esriMove moves the task at place p of job to status code, stamping the
// move with the world's clock, and with cancelRest and Failed cancels the
// tasks after it that have not started. The moves a task allows: one not
// started (Unknown, Ready) to Unknown, Ready, InProgress (once every task
// before it has ended) or Canceled; one in progress to Completed, Failed
// or Canceled; an ended one (Completed, Failed, Canceled) stays. Asking
// for the status a task has changes nothing. The caller holds w.mu.
func (w *world) esriMove(job *fixtures.EsriJob, js *esriJobState, p, code int, cancelRest bool) error {
	cur := js.state(job, p)
	order := func(q int) int { return q + 1 }
	if code != cur.Code {
		switch {
		case cur.Final():
			return &esriTransitionError{fmt.Sprintf("Invalid status: the task (taskOrder %d) is %s; an ended task keeps its status, found status %s", order(p), statusLabel(cur.Code), statusLabel(code))}
		case cur.Code == fixtures.EsriInProgress && code < fixtures.EsriCompleted:
			return &esriTransitionError{fmt.Sprintf("Invalid status: the task (taskOrder %d) is in progress; it can become 3 (Completed), 4 (Failed) or 5 (Canceled), found status %s", order(p), statusLabel(code))}
		case !cur.Started() && (code == fixtures.EsriCompleted || code == fixtures.EsriFailed):
			return &esriTransitionError{fmt.Sprintf("Invalid status: the task (taskOrder %d) has not started; set status 2 (InProgress) first, found status %s", order(p), statusLabel(code))}
		}
		if code == fixtures.EsriInProgress {
			for _, t := range js.tasks(job) {
				if t.place >= p {
					break
				}
				if st := js.state(job, t.place); !st.Final() {
					return &esriTransitionError{fmt.Sprintf("Invalid status: the task (taskOrder %d) starts once the tasks before it have ended; taskOrder %d is %s", order(p), order(t.place), statusLabel(st.Code))}
				}
			}
		}
		at := w.esriTick(job)
		next := fixtures.EsriTaskState{Code: code}
		switch {
		case code == fixtures.EsriInProgress:
			next.StartedOn = at
		case cur.Started():
			next.StartedOn, next.EndedOn = cur.StartedOn, at
		}
		js.set(p, next)
	}
	if cancelRest && code == fixtures.EsriFailed {
		for _, t := range js.tasks(job) {
			if st := js.state(job, t.place); t.place > p && !st.Final() && !st.Started() {
				js.set(t.place, fixtures.EsriTaskState{Code: fixtures.EsriCanceled})
			}
		}
	}
	return nil
}

// esriPoll counts a progress poll of the task at place p and moves it one
// step along its story: the first poll shows where it stands, each next
// one starts it (ending, at the same tick, the tasks before it that have
// not ended) or completes it; an ended task stays. The caller holds w.mu.
func (w *world) esriPoll(job *fixtures.EsriJob, js *esriJobState, p int) fixtures.EsriTaskState {
	if js.polls == nil {
		js.polls = map[int]int{}
	}
	n := js.polls[p]
	js.polls[p] = min(n+1, 2)
	cur := js.state(job, p)
	if n == 0 || cur.Final() {
		return cur
	}
	at := w.esriTick(job)
	if cur.Started() {
		js.set(p, fixtures.EsriTaskState{Code: fixtures.EsriCompleted, StartedOn: cur.StartedOn, EndedOn: at})
		return js.state(job, p)
	}
	for _, t := range js.tasks(job) {
		if t.place >= p {
			break
		}
		switch st := js.state(job, t.place); {
		case st.Final():
		case st.Started():
			js.set(t.place, fixtures.EsriTaskState{Code: fixtures.EsriCompleted, StartedOn: st.StartedOn, EndedOn: at})
		default:
			js.set(t.place, fixtures.EsriTaskState{Code: fixtures.EsriCompleted, StartedOn: at, EndedOn: at})
		}
	}
	js.set(p, fixtures.EsriTaskState{Code: fixtures.EsriInProgress, StartedOn: at})
	return js.state(job, p)
}

// esriGenerated returns the getTask response of a generated task: its
// story, as the world moved it, polled when ctl asks for
// scenario=progress, at the point of ctl's status when it asks for one.
func (s *Server) esriGenerated(r *http.Request, id esriID, ctl control) (task, error) {
	lang := r.Header.Get("Accept-Language")
	if ctl.scenario == "" && !s.world.esri.Load() {
		resp, err := s.gen.Esri(fixtures.EsriID{TaskGroupJobID: id.taskGroupJobID, TaskOperationID: id.taskOperationID},
			fixtures.Request{Lang: lang, Status: ctl.status})
		if err != nil {
			return task{}, generatorError(err)
		}
		if resp.Task.TaskOrder <= fixtures.EsriJobSize {
			return encodeEsri(&resp)
		}
		// An id outside the series: the world places it in the job.
	}
	job, err := s.gen.EsriJob(id.taskGroupJobID)
	if err != nil {
		return task{}, generatorError(err)
	}
	place, st, now, err := s.world.esriTaskState(&job, id.taskOperationID, ctl.scenario != "")
	if errors.Is(err, errJobFull) {
		return task{}, controlErrorf("taskOperationId %s: %v", quoteValue(id.taskOperationID), err)
	}
	if err != nil {
		return task{}, generatorError(err)
	}
	if ctl.status != "" {
		row, _ := contract.EsriStatusByName(ctl.status)
		st = job.View(place, st, row.Code, now)
	}
	resp := fixtures.EsriResponse{Task: job.Task(place, id.taskOperationID, st, now), Success: true, Lang: fixtures.MatchLanguage(lang)}
	return encodeEsri(&resp)
}

// esriTaskState returns the place of task op in job, where it stands and
// the time of that, counting a progress poll when poll is set. An id
// outside the job's series takes its place in the job (see place).
func (w *world) esriTaskState(job *fixtures.EsriJob, op string, poll bool) (int, fixtures.EsriTaskState, time.Time, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, err := job.Place(op)
	if err != nil {
		return 0, fixtures.EsriTaskState{}, time.Time{}, err
	}
	js := w.esriJob(job.ID, poll || p >= fixtures.EsriJobSize)
	if js == nil {
		return p, job.State(p), w.esriNow(job), nil
	}
	if p, err = js.place(job, op); err != nil {
		return 0, fixtures.EsriTaskState{}, time.Time{}, err
	}
	if poll {
		st := w.esriPoll(job, js, p)
		return p, st, w.esriNow(job), nil
	}
	return p, js.state(job, p), w.esriNow(job), nil
}

// esriNext returns the tasks of job left to start (Unknown or Ready) and
// the taskOperationId of the first of them, lower case as hasNextTask's
// example writes it.
func (w *world) esriNext(job *fixtures.EsriJob) (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	js := w.esriJob(job.ID, false)
	if js == nil {
		js = &esriJobState{}
	}
	count, next := 0, ""
	for _, t := range js.tasks(job) {
		if st := js.state(job, t.place); !st.Started() && !st.Final() {
			if count == 0 {
				next = strings.ToLower(t.id)
			}
			count++
		}
	}
	return count, next
}
