package mockserver

import (
	"time"

	"github.com/taskmock/taskmock/fixtures"
)

// The Oracle side of the world. A task's story (fixtures.Generator.Oracle)
// is planned once; what the world keeps of it is the point the polls of
// Prefer: scenario=progress reached and its latest reassignment. A plain
// GET shows the task there; a forced state shows a point of the story
// alone, as if nothing had happened to the task (it changes nothing).
//
// The world's Oracle memory is bounded twice: MaxWorldEntries tasks, and
// MaxWorldBytes of reassignments (what their identities and comments
// hold, counted for each task even when a bulk reassignment shares them).
// Past either bound the task touched longest ago is forgotten, and
// answers as its untouched story again; the request that made the world
// forget it names it in a Taskmock-Evicted header.

// MaxWorldBytes bounds what the world keeps of the tasks' reassignments.
const MaxWorldBytes = 4 << 20

// taskOverhead is what the world counts for one task it keeps, besides the
// strings of its reassignment.
const taskOverhead = 256

// oracleProgress are the points of an Oracle task's successive polls under
// Prefer: scenario=progress: routed to its team, claimed, completed by
// whom claimed it.
func oracleProgress() [][2]string {
	return [][2]string{{"UNASSIGNED", "INITIATED"}, {"ASSIGNED", "CLAIMED"}, {"COMPLETED", "CLAIMED"}}
}

// reassignmentSize is what the world counts for a reassignment.
func reassignmentSize(re *fixtures.Reassignment) int {
	if re == nil {
		return 0
	}
	n := len(re.Comment) + len(re.By.ID) + len(re.By.Name) + 64
	for _, id := range re.Identities {
		n += len(id.ID) + len(id.Name) + len(id.Type) + 48
	}
	if re.Original != nil {
		n += len(re.Original.ID) + len(re.Original.Name) + 48
	}
	return n
}

// oracleTask returns the state kept for Oracle task k as the newest entry
// (a new one when there is none), and the keys it forgot to stay within
// its bounds. The caller holds w.mu.
func (w *world) oracleTask(k taskKey) (*taskState, []taskKey) {
	w.oracle.Store(true)
	if t, ok := w.tasks.get(k); ok {
		w.tasks.push(k, t)
		return t, nil
	}
	t := &taskState{size: taskOverhead}
	w.tasks.push(k, t)
	w.bytes += t.size
	return t, w.trim(k)
}

// trim forgets the tasks touched longest ago, except keep, until the world
// is within its bounds, and returns their keys. The caller holds w.mu.
func (w *world) trim(keep taskKey) []taskKey {
	var gone []taskKey
	for w.tasks.len() > w.max || w.bytes > w.maxBytes {
		old, t, ok := w.tasks.oldest()
		if !ok || old == keep {
			break
		}
		w.tasks.remove(old)
		w.bytes -= t.size
		gone = append(gone, old)
	}
	return gone
}

// oracleView returns where the world has Oracle task k: the point its
// polls reached ("" for none) and its latest reassignment. It moves
// nothing, not even the task's place in the eviction order.
func (w *world) oracleView(k taskKey) (point [2]string, re *fixtures.Reassignment) {
	if !w.oracle.Load() {
		return point, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.tasks.get(k); ok {
		return t.point, t.reassigned
	}
	return point, nil
}

// oracleStep counts a progress poll of Oracle task k and returns the point
// it shows. A reassigned task stays where the reassignment left it: the
// scenario does not take a task from the people it was handed to.
//
// The polls go on from where the task's untouched story is (natural, asked
// once, at the first poll), never back (see oracleSteps): the first poll
// shows the story's own point, so that no state and no date goes back from
// what a plain GET showed before the polls.
func (w *world) oracleStep(k taskKey, natural func() [2]string) (point [2]string, re *fixtures.Reassignment, gone []taskKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, gone := w.oracleTask(k)
	if t.reassigned != nil {
		return t.point, t.reassigned, gone
	}
	if t.steps == nil {
		t.steps = oracleSteps(natural())
	}
	t.point = t.steps[min(t.polls, len(t.steps)-1)]
	t.polls++
	return t.point, nil, gone
}

// oracleSteps are the points the polls of a task show, from the point of
// its untouched story on: a task with its team (UNASSIGNED, any substate)
// is claimed, then completed by whom claimed it; a claimed one
// (ASSIGNED/CLAIMED) is completed by its claimer; any other stays where
// its story is (an ASSIGNED task handed to someone by a reassignment or an
// escalation is not the claimer's to complete in the story's plan).
func oracleSteps(natural [2]string) [][2]string {
	progress := oracleProgress()
	switch {
	case natural == progress[0]:
		return progress
	case natural[0] == progress[0][0]:
		return append([][2]string{natural}, progress[1:]...)
	case natural == progress[1]:
		return progress[1:]
	}
	return [][2]string{natural}
}

// oracleReassign reassigns Oracle task k: apply gets where the task is
// (its point, its latest reassignment) and the time of the operation, and
// returns the new reassignment, or an error that leaves the world as it
// was. The world's clock moves only when the reassignment is kept.
func (w *world) oracleReassign(k taskKey, apply func(point [2]string, prev *fixtures.Reassignment, at time.Time) (*fixtures.Reassignment, error)) ([]taskKey, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var point [2]string
	var prev *fixtures.Reassignment
	if t, ok := w.tasks.get(k); ok {
		point, prev = t.point, t.reassigned
	}
	at := w.now.Add(worldTick)
	re, err := apply(point, prev, at)
	if err != nil {
		return nil, err
	}
	w.now = at
	t, gone := w.oracleTask(k)
	size := taskOverhead + reassignmentSize(re)
	w.bytes += size - t.size
	t.size, t.reassigned = size, re
	return append(gone, w.trim(k)...), nil
}
