package mockserver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"

	"github.com/taskmock/taskmock/specs"
)

func oracleKey(i int) taskKey { return taskKey{api: specs.Oracle, id: fmt.Sprintf("t-%d", i)} }

// smallTask returns a stored task of about size bytes of compact JSON.
func smallTask(t *testing.T, size int) storedTask {
	t.Helper()
	body, err := parseObject([]byte(`{"title":"` + strings.Repeat("x", size-12) + `"}`))
	require.NoError(t, err)
	return storedTask{body: body, source: "admin"}
}

func TestQueueOrder(t *testing.T) {
	q := newQueue[string, int]()
	q.push("a", 1)
	q.push("b", 2)
	q.push("c", 3)
	q.push("a", 4) // pushed again: the newest
	k, v, ok := q.oldest()
	require.True(t, ok)
	assert.Equal(t, "b", k)
	assert.Equal(t, 2, v)
	q.remove("b")
	var order []string
	q.each(func(k string, v int) { order = append(order, fmt.Sprint(k, v)) })
	assert.Equal(t, []string{"c3", "a4"}, order)
	assert.Equal(t, 2, q.len())
	q.remove("zz")
	assert.Equal(t, 2, q.len())
	empty := newQueue[string, int]()
	_, _, ok = empty.oldest()
	assert.False(t, ok)
}

func TestStoreEvictsOldestByCount(t *testing.T) {
	st := newStore(storeLimits{tasks: 3, bytes: 1 << 20})
	for i := range 3 {
		replaced, evicted := st.put(oracleKey(i), smallTask(t, 100))
		assert.False(t, replaced)
		assert.Empty(t, evicted)
	}
	// Storing t-0 again makes it the newest: t-1 is the oldest now.
	replaced, evicted := st.put(oracleKey(0), smallTask(t, 100))
	assert.True(t, replaced)
	assert.Empty(t, evicted)
	_, evicted = st.put(oracleKey(3), smallTask(t, 100))
	assert.Equal(t, []taskKey{oracleKey(1)}, evicted)
	_, ok := st.get(oracleKey(1))
	assert.False(t, ok)
	assert.Equal(t, []taskKey{oracleKey(0), oracleKey(2), oracleKey(3)}, st.keys())
	assert.Equal(t, 300, st.bytes)
}

func TestStoreEvictsOldestByBytes(t *testing.T) {
	st := newStore(storeLimits{tasks: 100, bytes: 1000})
	for i := range 3 {
		_, evicted := st.put(oracleKey(i), smallTask(t, 300))
		assert.Empty(t, evicted, i)
	}
	_, evicted := st.put(oracleKey(4), smallTask(t, 500))
	assert.Equal(t, []taskKey{oracleKey(0), oracleKey(1)}, evicted, "1,400 bytes: two go")
	assert.Equal(t, 800, st.bytes)

	// A task larger than the bound alone stays, and evicts all the others.
	_, evicted = st.put(oracleKey(9), smallTask(t, 1500))
	assert.Equal(t, []taskKey{oracleKey(2), oracleKey(4)}, evicted)
	_, ok := st.get(oracleKey(9))
	assert.True(t, ok)
	assert.True(t, st.delete(oracleKey(9)))
	assert.Equal(t, 0, st.bytes)
	assert.Equal(t, 0, st.edits.len())
}

func TestStoreDeleteAndEvictionOfFixtures(t *testing.T) {
	st := newStore(storeLimits{tasks: 2, bytes: 1 << 20})
	fixture := smallTask(t, 50)
	fixture.source = "f.json"
	st.loaded[oracleKey(0)] = fixture

	assert.True(t, st.delete(oracleKey(0)), "a fixture can be deleted")
	assert.False(t, st.delete(oracleKey(0)), "only once")
	_, ok := st.get(oracleKey(0))
	assert.False(t, ok)
	assert.Empty(t, st.keys())

	replaced, _ := st.put(oracleKey(0), smallTask(t, 60))
	assert.False(t, replaced, "the fixture was deleted")
	got, _ := st.get(oracleKey(0))
	assert.Equal(t, "admin", got.source)

	// Two more edits evict the one over the fixture: the fixture is back.
	st.put(oracleKey(1), smallTask(t, 60))
	_, evicted := st.put(oracleKey(2), smallTask(t, 60))
	assert.Equal(t, []taskKey{oracleKey(0)}, evicted)
	got, ok = st.get(oracleKey(0))
	require.True(t, ok)
	assert.Equal(t, "f.json", got.source)

	st.reset()
	assert.Equal(t, []taskKey{oracleKey(0)}, st.keys())
	assert.Equal(t, 0, st.bytes)
}

func TestWorldProgressIsBounded(t *testing.T) {
	st := newStore(storeLimits{})
	assert.Equal(t, storeLimits{tasks: DefaultMaxStoredTasks, bytes: DefaultMaxStoredBytes}, st.limits)
	w := newWorld(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	steps := oracleProgress()
	step := func(i int) [2]string {
		p, _, _ := w.oracleStep(oracleKey(i), func() [2]string { return steps[0] })
		return p
	}
	assert.Equal(t, steps[0], step(0))
	assert.Equal(t, steps[1], step(0))
	for i := 1; i <= MaxWorldEntries; i++ {
		step(i)
	}
	assert.Equal(t, MaxWorldEntries, w.tasks.len())
	assert.Equal(t, steps[0], step(0), "the task polled longest ago starts again")
	assert.Equal(t, steps[1], step(MaxWorldEntries), "a recent one goes on")
	assert.Equal(t, MaxWorldEntries, w.tasks.len())
	w.reset()
	assert.Equal(t, steps[0], step(1), "a reset returns to the start")
}

// TestWorldReassignmentsAreBounded: what the world keeps of reassignments
// stays under MaxWorldBytes, whatever their size, and the request that
// makes it forget a task learns which.
func TestWorldReassignmentsAreBounded(t *testing.T) {
	w := newWorld(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	big := &fixtures.Reassignment{Comment: strings.Repeat("c", 4000)}
	for range 100 {
		long := strings.Repeat("i", 256)
		big.Identities = append(big.Identities, fixtures.Identity{ID: long, Name: long, Type: "USER"})
	}
	var forgotten []taskKey
	for i := range 2000 {
		gone, err := w.oracleReassign(oracleKey(i), func(_ [2]string, _ *fixtures.Reassignment, _ time.Time) (*fixtures.Reassignment, error) {
			return big, nil
		})
		require.NoError(t, err)
		forgotten = append(forgotten, gone...)
		require.LessOrEqual(t, w.bytes, MaxWorldBytes)
	}
	assert.NotEmpty(t, forgotten)
	assert.Equal(t, oracleKey(0), forgotten[0], "the oldest goes first")
	sum := 0
	for el := w.tasks.order.Front(); el != nil; el = el.Next() {
		sum += el.Value.(*entry[taskKey, *taskState]).value.size
	}
	assert.Equal(t, sum, w.bytes, "the count is what the tasks hold")
	assert.Equal(t, time.Date(2026, 1, 1, 0, 33, 20, 0, time.UTC), w.now, "one tick a reassignment")

	_, err := w.oracleReassign(oracleKey(1), func(_ [2]string, _ *fixtures.Reassignment, _ time.Time) (*fixtures.Reassignment, error) {
		return nil, fixtures.ErrClosed
	})
	assert.ErrorIs(t, err, fixtures.ErrClosed)
	assert.Equal(t, time.Date(2026, 1, 1, 0, 33, 20, 0, time.UTC), w.now, "a refused reassignment moves no clock")
	w.reset()
	assert.Equal(t, 0, w.bytes)
}

func TestCompactObjectKeepsMembers(t *testing.T) {
	o, err := parseObject([]byte(`{"id":"x","links":[{"rel":"self"}],"n":1,"":null}`))
	require.NoError(t, err)
	c := compactObject(o)
	assert.Equal(t, o, c)
	assert.Equal(t, objectSize(o), objectSize(c))
	// Values are capped: appending to one never writes into the next.
	v := append(c[0].value, '!')
	assert.Equal(t, `"x"!`, string(v))
	assert.Equal(t, `[{"rel":"self"}]`, string(c[1].value))
	b, err := c.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"x","links":[{"rel":"self"}],"n":1,"":null}`, string(b))
}
