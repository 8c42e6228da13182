package contract_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

func newValidator(t testing.TB, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(opts...)
	require.NoError(t, err)
	return v
}

func seedBody(t testing.TB, name string) []byte {
	t.Helper()
	return testdataFile(t, "seeds", name)
}

// testdataFile reads testdata/dir/name.
func testdataFile(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	require.NoError(t, err)
	return b
}

func TestSeedExamplesHaveNoViolations(t *testing.T) {
	v := newValidator(t, contract.Strict(true))
	for _, tc := range []struct {
		api  specs.Name
		file string
	}{
		{specs.Esri, "esri-getTask-example.json"},
		{specs.Oracle, "oracle-get-task-example.json"},
	} {
		t.Run(string(tc.api), func(t *testing.T) {
			rep := v.Validate(contract.Exchange{API: tc.api, Status: 200, Body: seedBody(t, tc.file)})
			assert.Empty(t, rep.Violations)
			assert.True(t, rep.Passed(true))
		})
	}
}

// TestReportsDoNotDependOnEarlierExchanges validates exchanges one after
// another and at the same time, of one shape and of others, and checks that
// every report is byte for byte the report a fresh Validator gives, and that
// a report already returned does not change when the next exchange is
// validated.
func TestReportsDoNotDependOnEarlierExchanges(t *testing.T) {
	hdr := http.Header{"Content-Type": {"application/json"}}
	oracleBad := func(id, state, extra string) []byte {
		return []byte(`{"id":"` + id + `","state":"` + state + `","substate":"EXPIRED","priority":"high",` +
			`"links":[{"rel":"self","href":"https://h/tasks/other"},{"rel":"parent","href":"https://h/tasks","extra":1}],` +
			`"reason":{"action":"CLAIM","unknown":[1,2,3]},"createdDate":"2024-08-13T07:51:16Z","dueDate":"2024-08-13T07:46:16Z"` + extra + `}`)
	}
	exchanges := []contract.Exchange{
		{API: specs.Oracle, Status: 200, Header: hdr, Body: seedBody(t, "oracle-get-task-example.json")},
		{API: specs.Oracle, Status: 200, Header: hdr, Body: oracleBad("t1", "ASSIGNED", `,"x":{"y":{"z":"w"}}`)},
		{API: specs.Oracle, Status: 200, Header: hdr, Body: oracleBad("t2", "COMPLETED", `,"x":{"q":[{"r":1},{"s":2}]}`)},
		{API: specs.Oracle, Status: 200, Header: hdr, Body: oracleBad("t3", "assigned", "")},
		{API: specs.Oracle, Status: 200, Header: hdr, Body: []byte(`{"links":[],"candidateUsers":[{"id":7}],"priority":1.0}`)},
		{API: specs.Oracle, Status: 404, Header: hdr, Body: []byte(`{"title":"Task not found","detail":"gone","extra":{"a":[]}}`)},
		{API: specs.Oracle, Status: 200, Header: hdr, Body: []byte(`[{"id":"t1"},{"id":"t2"}]`)},
		{API: specs.Esri, Status: 200, Header: hdr, Body: seedBody(t, "esri-getTask-example.json")},
		{API: specs.Esri, Status: 200, Header: hdr, Body: []byte(`{"task":{"taskWorkId":"nope","statusCode":9,"status":"Weird",` +
			`"startOn":"2025-09-30T23:13:17Z","endOn":"2025-09-26T23:13:17Z","duration":-1,"extra":[{"a":1}]},"success":false}`)},
		{API: specs.Esri, Status: 200, Header: hdr, Body: []byte(`{"error":{"code":498,"message":"Invalid token.","details":["a","b"]},"success":false}`)},
		{API: specs.Esri, Status: 200, Header: hdr, Body: []byte(`{"task":{"status":"New"`)},
	}
	encode := func(r contract.Report) string {
		b, err := json.Marshal(r)
		assert.NoError(t, err)
		return string(b)
	}
	want := make([]string, len(exchanges))
	for i, ex := range exchanges {
		want[i] = encode(newValidator(t).Validate(ex))
	}

	v := newValidator(t)
	for i, a := range exchanges {
		for j, b := range exchanges {
			repA := v.Validate(a)
			assert.Equal(t, want[i], encode(repA), "exchange %d", i)
			repB := v.Validate(b)
			assert.Equal(t, want[j], encode(repB), "exchange %d after exchange %d", j, i)
			assert.Equal(t, want[i], encode(repA), "exchange %d once exchange %d is validated", i, j)
		}
	}

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 50 {
				i := (g*7 + n*3) % len(exchanges)
				rep := v.Validate(exchanges[i])
				// Not require: FailNow must not be called from this goroutine.
				assert.Equal(t, want[i], encode(rep), "exchange %d, validated concurrently", i)
			}
		})
	}
	wg.Wait()
}

// TestViolationsReportedOnce: a value that breaks its schema in a way two
// schema paths see is reported once.
func TestViolationsReportedOnce(t *testing.T) {
	v := newValidator(t)
	for _, member := range []string{"createdBy", "assignedTo", "priority"} {
		t.Run(member, func(t *testing.T) {
			var task map[string]any
			require.NoError(t, json.Unmarshal(seedBody(t, "oracle-get-task-example.json"), &task))
			task[member] = 7
			if member == "priority" {
				task[member] = "high"
			}
			body, err := json.Marshal(task)
			require.NoError(t, err)
			rep := v.Validate(contract.Exchange{API: specs.Oracle, Body: body})
			seen := map[contract.Violation]bool{}
			for _, vi := range rep.Violations {
				assert.False(t, seen[vi], "reported twice: %+v", vi)
				seen[vi] = true
			}
			assert.NotEmpty(t, rep.Violations)
		})
	}
}
