package mockserver

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/taskmock/taskmock/fixtures"
)

// The world is the one place that decides what a task, or an Esri task
// group job, is now. A generated task is a story, a function of the seed,
// the clock and its identity (fixtures): its people, process, creation and
// planned life cycle. What the world keeps is how far each story has gone
// and what the requests did to it: the polls of Prefer: scenario=progress,
// the forced states, and the mutations of the sibling operations (Esri
// updateTask, Oracle reassign). A version of a task is its story up to a
// point, with the world's events applied in order.
//
// Time in the world only moves forward. Its clock starts at the server's
// anchor (WithClock) and each mutation stamps its event one tick after
// the last one, whatever the wall clock says: the same requests against
// two servers with the same seed and clock give the same bytes, and a
// reset returns to the start.
//
// The world is bounded: at most MaxWorldEntries tasks and jobs are
// remembered, the one touched longest ago forgotten first (it answers
// again as its untouched story).

// MaxWorldEntries is the number of tasks and jobs whose progress and
// events the world remembers; beyond it the one touched longest ago starts
// again from its story.
const MaxWorldEntries = 10000

// worldTick is the time between two mutations in the world's clock.
const worldTick = time.Second

// world holds the state of the stories, safe for concurrent use.
type world struct {
	mu     sync.Mutex
	anchor time.Time // the server's clock when the world started
	now    time.Time // the time of the last event, or anchor
	tasks  *queue[taskKey, *taskState]
	jobs   *queue[string, *jobState] // by canonical taskGroupJobId
	max    int
	bytes  int // what the kept Oracle tasks count (world_oracle.go)
	// maxBytes bounds bytes (MaxWorldBytes).
	maxBytes int
	// oracle is set once an Oracle task has a state: until then (and
	// after a reset) a GET reads the stories alone, without the mutex.
	oracle atomic.Bool
	// esri is set once an Esri job has a state: until then (and after a
	// reset) getTask reads the stories alone, without the mutex.
	esri atomic.Bool
}

// taskState is what the world remembers of one task: how far its story
// has gone and what the requests did to it.
type taskState struct {
	polls      int                    // progress polls seen (Prefer: scenario=progress)
	steps      [][2]string            // the points the polls go through, set at the first
	point      [2]string              // the state and substate the polls reached, "" for none
	reassigned *fixtures.Reassignment // the latest reassignment, nil for none
	size       int                    // what the world counts for it
}

// jobState is what the world remembers of one Esri task group job.
type jobState struct {
	esri esriJobState // see world_esri.go
}

func newWorld(anchor time.Time) *world {
	w := &world{anchor: anchor.UTC().Truncate(time.Millisecond), max: MaxWorldEntries, maxBytes: MaxWorldBytes}
	w.clear()
	return w
}

// clear forgets every story's progress and events, and the clock. The
// caller holds w.mu or owns w.
func (w *world) clear() {
	w.now = w.anchor
	w.tasks = newQueue[taskKey, *taskState]()
	w.jobs = newQueue[string, *jobState]()
	w.bytes = 0
	w.esri.Store(false)
	w.oracle.Store(false)
}

// reset forgets every story's progress and events, and the clock.
func (w *world) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clear()
}

// tick advances the world's clock by one tick and returns the new time: the
// time of a mutation. The caller holds w.mu.
func (w *world) tick() time.Time {
	w.now = w.now.Add(worldTick)
	return w.now
}

// job returns the state kept for the job of canonical id, as task does.
// The caller holds w.mu.
func (w *world) job(id string) *jobState {
	return touch(w.jobs, id, w.max, func() *jobState { return &jobState{} })
}

// touch returns q's value for k, made by create when there is none, as the
// newest entry, forgetting the oldest beyond max entries.
func touch[K comparable, V any](q *queue[K, V], k K, max int, create func() V) V {
	if v, ok := q.get(k); ok {
		q.push(k, v)
		return v
	}
	v := create()
	q.push(k, v)
	for q.len() > max {
		old, _, _ := q.oldest()
		q.remove(old)
	}
	return v
}
