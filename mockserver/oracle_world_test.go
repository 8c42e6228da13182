package mockserver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// oracleView is what the tests read of an Oracle task.
type oracleView struct {
	ID               string             `json:"id"`
	Title            string             `json:"title"`
	State            string             `json:"state"`
	Substate         string             `json:"substate"`
	CreatedDate      string             `json:"createdDate"`
	LastUpdatedDate  string             `json:"lastUpdatedDate"`
	AssignedDate     string             `json:"assignedDate"`
	DueDate          string             `json:"dueDate"`
	ProcessName      string             `json:"processName"`
	CreatedBy        *fixtures.Identity `json:"createdBy"`
	FromUser         *fixtures.Identity `json:"fromUser"`
	Assignee         *fixtures.Identity `json:"assignee"`
	OriginalAssignee *fixtures.Identity `json:"originalAssignee"`
	CandidateUsers   []fixtures.Identity
	CandidateGroups  []fixtures.Identity
	Reason           struct {
		Action  string             `json:"action"`
		Comment string             `json:"comment"`
		User    *fixtures.Identity `json:"user"`
	} `json:"reason"`
}

func readOracle(t *testing.T, a answer) oracleView {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, a.text())
	var task oracleView
	require.NoError(t, json.Unmarshal(a.body, &task))
	return task
}

// post sends a JSON POST of body to target, with headers as name, value
// pairs.
func post(t testing.TB, h http.Handler, target, body string, headers ...string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.RemoteAddr = loopbackAddr
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, h, req)
}

const bulkURL = "http://mock.test" + mockserver.OraclePrefix + "reassign"

func reassignURL(id string) string { return oracleURL(id, nil) + "/reassign" }

func oracleTime(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02T15:04:05.000-07:00", s)
	require.NoError(t, err, s)
	return d
}

// openTask returns the id of a task whose story is open (ASSIGNED).
func openTask(t *testing.T, s http.Handler, prefix string) string {
	t.Helper()
	for i := range 200 {
		id := fmt.Sprintf("%s-%d", prefix, i)
		if readOracle(t, get(t, s, oracleURL(id, nil))).State == "ASSIGNED" {
			return id
		}
	}
	t.Fatal("no ASSIGNED task among 200")
	return ""
}

// newTask returns an id of prefix whose story is at its start
// (UNASSIGNED/INITIATED), which progress polls take to COMPLETED.
func newTask(t *testing.T, s http.Handler, prefix string) string {
	t.Helper()
	for i := range 200 {
		id := fmt.Sprintf("%s-%d", prefix, i)
		if v := readOracle(t, get(t, s, oracleURL(id, nil))); v.State == "UNASSIGNED" && v.Substate == "INITIATED" {
			return id
		}
	}
	t.Fatal("no UNASSIGNED/INITIATED task among 200")
	return ""
}

func TestOracleReassignShowsOnGet(t *testing.T) {
	s := newServer(t, mockserver.WithSelfCheck())
	id := openTask(t, s, "reassign")
	before := readOracle(t, get(t, s, oracleURL(id, nil)))
	to, _ := fixtures.DirectoryIdentity(fixtures.DirectoryUser("colleague").Name, "USER")

	a := post(t, s, reassignURL(id), `{"identities":[{"id":"`+to.Name+`","type":"USER","name":"ignored"}],"comment":"Away until Monday"}`)
	require.Equal(t, http.StatusNoContent, a.status, a.text())
	assert.Empty(t, a.body)

	g := get(t, s, oracleURL(id, nil))
	requireValid(t, specs.Oracle, g)
	after := readOracle(t, g)
	assert.Equal(t, "ASSIGNED", after.State)
	assert.Equal(t, "REASSIGNED", after.Substate)
	require.NotNil(t, after.Assignee)
	assert.Equal(t, to.ID, after.Assignee.ID, "the user id resolved from the directory")
	assert.Equal(t, to.Name, after.Assignee.Name)
	assert.Equal(t, "REASSIGN", after.Reason.Action)
	assert.Equal(t, "Away until Monday", after.Reason.Comment)
	assert.Equal(t, fixtures.DirectoryUser("").ID, after.Reason.User.ID, "without a token, the mock's default user")
	assert.Equal(t, after.Reason.User.ID, after.FromUser.ID)
	require.NotNil(t, after.OriginalAssignee)
	assert.Equal(t, before.Assignee.ID, after.OriginalAssignee.ID)
	assert.Equal(t, before.CreatedDate, after.CreatedDate)
	assert.Equal(t, before.Title, after.Title)
	assert.Equal(t, before.DueDate, after.DueDate)
	assert.True(t, oracleTime(t, after.LastUpdatedDate).After(oracleTime(t, before.LastUpdatedDate)))

	// A second reassignment: to a group and an unknown user, later still.
	a = post(t, s, reassignURL(id), `{"identities":[{"id":"someone.unknown","type":"USER"},{"id":"Finance Approvers","type":"GROUP"}]}`)
	require.Equal(t, http.StatusNoContent, a.status, a.text())
	g = get(t, s, oracleURL(id, nil))
	requireValid(t, specs.Oracle, g)
	again := readOracle(t, g)
	assert.Equal(t, "UNASSIGNED", again.State)
	assert.Nil(t, again.Assignee)
	require.Len(t, again.CandidateUsers, 1)
	assert.Equal(t, fixtures.Identity{ID: "someone.unknown", Name: "someone.unknown", Type: "USER"}, again.CandidateUsers[0], "an unknown id kept as given")
	require.Len(t, again.CandidateGroups, 1)
	assert.Equal(t, "GROUP", again.CandidateGroups[0].Type)
	assert.Equal(t, before.Assignee.ID, again.OriginalAssignee.ID, "the first assignee stays the original")
	assert.True(t, oracleTime(t, again.LastUpdatedDate).After(oracleTime(t, after.LastUpdatedDate)), "time only moves forward")
}

func TestOracleReassignActingUserFromToken(t *testing.T) {
	s := newServer(t, mockserver.WithRequireAuth())
	id := "token-task"
	body := `{"identities":[{"id":"g","type":"ROLE"}]}`
	assert.Equal(t, http.StatusUnauthorized, post(t, s, reassignURL(id), body).status)

	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"x","preferred_username":"ada.lovelace"}`))
	jwt := "eyJhbGciOiJub25lIn0." + claims + ".sig"
	for _, tc := range []struct{ token, key string }{{jwt, "ada.lovelace"}, {"opaque-token-1", "opaque-token-1"}} {
		for i := range 50 {
			id = fmt.Sprintf("token-task-%d", i)
			a := post(t, s, reassignURL(id), body, "Authorization", "Bearer "+tc.token)
			if a.status == http.StatusConflict {
				continue // a closed story
			}
			require.Equal(t, http.StatusNoContent, a.status, a.text())
			task := readOracle(t, get(t, s, oracleURL(id, nil), "Authorization", "Bearer "+tc.token))
			assert.Equal(t, fixtures.DirectoryUser(tc.key).ID, task.Reason.User.ID, tc.token)
			break
		}
	}
}

func TestOracleReassignRefusals(t *testing.T) {
	s := newServer(t)
	id := openTask(t, s, "refuse")
	before := get(t, s, oracleURL(id, nil)).text()
	long := strings.Repeat("x", 300)
	many := strings.Repeat(`{"id":"u"},`, 101)
	for name, tc := range map[string]struct {
		body, contentType, field string
	}{
		"not JSON":          {`{"identities":`, "application/json", "body"},
		"no identities":     {`{"comment":"x"}`, "application/json", "body.identities"},
		"empty identities":  {`{"identities":[]}`, "application/json", "body.identities"},
		"bad type":          {`{"identities":[{"id":"u","type":"user"}]}`, "application/json", "body.identities[0].type"},
		"no id":             {`{"identities":[{"type":"USER"}]}`, "application/json", "body.identities[0].id"},
		"id not a string":   {`{"identities":[{"id":7}]}`, "application/json", "body.identities[0].id"},
		"long id":           {`{"identities":[{"id":"` + long + `"}]}`, "application/json", "body.identities[0].id"},
		"too many":          {`{"identities":[` + many + `{"id":"u"}]}`, "application/json", "body.identities"},
		"long comment":      {`{"identities":[{"id":"u"}],"comment":"` + strings.Repeat("c", 4001) + `"}`, "application/json", "body.comment"},
		"duplicate member":  {`{"identities":[{"id":"u"}],"identities":[{"id":"v"}]}`, "application/json", "body.identities"},
		"duplicate in item": {`{"identities":[{"id":"u","id":"v"}]}`, "application/json", "body.identities[].id"},
		"member case":       {`{"Identities":[{"id":"u"}]}`, "application/json", "body.Identities"},
		"item member case":  {`{"identities":[{"ID":"u"}]}`, "application/json", "body.identities[].ID"},
		"invalid UTF-8":     {"{\"identities\":[{\"id\":\"u\xff\"}]}", "application/json", "body"},
		"lone surrogate":    {`{"identities":[{"id":"u\ud800"}]}`, "application/json", "body"},
		"lone low half":     {`{"identities":[{"id":"u"}],"comment":"\udc00 x"}`, "application/json", "body"},
		"deep":              {`{"identities":[{"id":"u","name":[[[[[[[[[["x"]]]]]]]]]]}]}`, "application/json", "body"},
		"form":              {`identities=u`, "application/x-www-form-urlencoded", "header.Content-Type"},
		"latin1":            {`{"identities":[{"id":"u"}]}`, "application/json; charset=iso-8859-1", "header.Content-Type"},
		"no content type":   {`{"identities":[{"id":"u"}]}`, "", "header.Content-Type"},
	} {
		a := post(t, s, reassignURL(id), tc.body, "Content-Type", tc.contentType)
		assert.Equal(t, http.StatusBadRequest, a.status, name)
		p := decodeProblem(t, a.body)
		assert.Equal(t, 400, p.Status, name)
		assert.True(t, strings.HasPrefix(a.header.Get("Taskmock-Error"), tc.field+":"), "%s: %q names %s", name, a.header.Get("Taskmock-Error"), tc.field)
		assert.NotContains(t, a.header.Get("Taskmock-Error"), "\n", name)
	}
	assert.Equal(t, before, get(t, s, oracleURL(id, nil)).text(), "nothing stored")

	big := `{"identities":[{"id":"u"}],"comment":"` + strings.Repeat("c", 300<<10) + `"}`
	assert.Equal(t, http.StatusBadRequest, post(t, s, reassignURL(id), big).status)
	assert.Equal(t, http.StatusNotFound, post(t, s, reassignURL("a%20b"), `{"identities":[{"id":"u"}]}`).status)
	a := get(t, s, reassignURL(id))
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)
	assert.Equal(t, "POST, OPTIONS", a.header.Get("Allow"))

	// A closed task cannot be handed over: 409, and it stays closed.
	id = newTask(t, s, "refused-closed")
	closed := get(t, s, oracleURL(id, nil), "Prefer", "state=COMPLETED").text()
	for range 3 {
		get(t, s, oracleURL(id, nil), "Prefer", "scenario=progress")
	}
	done := readOracle(t, get(t, s, oracleURL(id, nil)))
	assert.Equal(t, "COMPLETED", done.State, "a plain GET shows where the polls took the task")
	a = post(t, s, reassignURL(id), `{"identities":[{"id":"u"}]}`)
	assert.Equal(t, http.StatusConflict, a.status)
	assert.Contains(t, a.header.Get("Taskmock-Error"), "COMPLETED")
	assert.Equal(t, "COMPLETED", readOracle(t, get(t, s, oracleURL(id, nil))).State)
	assert.NotEmpty(t, closed)
}

func TestOracleBulkReassign(t *testing.T) {
	s := newServer(t, mockserver.WithSelfCheck())
	open := openTask(t, s, "bulk")
	closed := ""
	for i := range 200 {
		id := fmt.Sprintf("bulk-closed-%d", i)
		if readOracle(t, get(t, s, oracleURL(id, nil))).State == "COMPLETED" {
			closed = id
			break
		}
	}
	require.NotEmpty(t, closed)
	body := `{"taskIds":["` + open + `","a b","` + closed + `"],"identities":[{"id":"Finance Approvers","type":"GROUP"}],"comment":"bulk"}`
	a := post(t, s, bulkURL, body)
	require.Equal(t, http.StatusOK, a.status, a.text())
	requireValid(t, specs.Oracle, a)
	var out struct {
		TotalCount, SucessCount, FailedCount int
		Items                                []struct{ TaskID, Status, ErrorMessage string }
	}
	require.NoError(t, json.Unmarshal(a.body, &out))
	assert.Equal(t, 3, out.TotalCount)
	assert.Equal(t, 1, out.SucessCount)
	assert.Equal(t, 2, out.FailedCount)
	require.Len(t, out.Items, 3)
	assert.Equal(t, "Success", out.Items[0].Status)
	assert.Equal(t, "Failed", out.Items[1].Status)
	assert.Equal(t, "Task not found for given ID", out.Items[1].ErrorMessage)
	assert.Equal(t, "Failed", out.Items[2].Status)
	assert.Contains(t, out.Items[2].ErrorMessage, "COMPLETED")
	task := readOracle(t, get(t, s, oracleURL(open, nil)))
	assert.Equal(t, "REASSIGNED", task.Substate)
	assert.Equal(t, "bulk", task.Reason.Comment)

	for name, b := range map[string]string{
		"no taskIds":   `{"identities":[{"id":"u"}]}`,
		"taskIds type": `{"taskIds":"x","identities":[{"id":"u"}]}`,
		"case":         `{"TaskIds":["x"],"identities":[{"id":"u"}]}`,
	} {
		a := post(t, s, bulkURL, b)
		assert.Equal(t, http.StatusBadRequest, a.status, name)
		requireVendorError(t, specs.Oracle, a)
		assert.NotEmpty(t, a.header.Get("Taskmock-Error"), name)
	}
}

// TestOracleWorldIsDeterministic: the same requests against two servers
// with the same seed and clock give the same bytes, and a reset returns to
// the start.
func TestOracleWorldIsDeterministic(t *testing.T) {
	script := func(s http.Handler) []byte {
		var out bytes.Buffer
		for i := range 12 {
			id := fmt.Sprintf("det-%d", i)
			out.Write(get(t, s, oracleURL(id, nil), "Prefer", "scenario=progress").body)
			a := post(t, s, reassignURL(id), fmt.Sprintf(`{"identities":[{"id":"user-%d"}],"comment":"c%d"}`, i, i))
			fmt.Fprintln(&out, a.status)
			out.Write(get(t, s, oracleURL(id, nil)).body)
			out.Write(get(t, s, oracleURL(id, nil), "Prefer", "state=ASSIGNED").body)
		}
		out.Write(post(t, s, bulkURL, `{"taskIds":["det-1","det-2","x y"],"identities":[{"id":"r","type":"ROLE"}]}`).body)
		out.Write(get(t, s, oracleURL("det-1", nil)).body)
		return out.Bytes()
	}
	s1, s2 := newServer(t, mockserver.WithAdmin()), newServer(t, mockserver.WithAdmin())
	first := script(s1)
	assert.Equal(t, first, script(s2), "two servers, same bytes")
	a := sendAdmin(t, s1, http.MethodPost, adminURL+"reset", "")
	require.Equal(t, http.StatusNoContent, a.status, a.text())
	assert.Equal(t, first, script(s1), "after a reset, the same again")
}

// TestOraclePollsMoveForward: successive polls keep the task and never
// move a date back; the claimer completes.
func TestOraclePollsMoveForward(t *testing.T) {
	s := newServer(t)
	rank := map[string]int{"UNASSIGNED": 0, "ASSIGNED": 1}
	moved := 0
	for i := range 60 {
		id := fmt.Sprintf("poll-%d", i)
		// What a plain GET shows first: the polls go on from there.
		prev := readOracle(t, get(t, s, oracleURL(id, nil)))
		first := prev
		for range 4 {
			a := get(t, s, oracleURL(id, nil), "Prefer", "scenario=progress")
			requireValid(t, specs.Oracle, a)
			task := readOracle(t, a)
			assert.Equal(t, prev.CreatedDate, task.CreatedDate, id)
			assert.Equal(t, prev.CreatedBy, task.CreatedBy, id)
			assert.False(t, oracleTime(t, task.LastUpdatedDate).Before(oracleTime(t, prev.LastUpdatedDate)),
				"%s: %s/%s at %s, then %s/%s at %s", id, prev.State, prev.Substate, prev.LastUpdatedDate, task.State, task.Substate, task.LastUpdatedDate)
			if r, open := rank[prev.State]; open {
				if r2, ok := rank[task.State]; ok {
					assert.GreaterOrEqual(t, r2, r, "%s: no state goes back", id)
				}
			} else {
				assert.Equal(t, prev.State, task.State, "%s: a task whose story ended, or left its team, stays", id)
			}
			if task.State == "COMPLETED" && prev.State == "ASSIGNED" {
				require.NotNil(t, task.Assignee, id)
				require.NotNil(t, prev.Assignee, id)
				assert.Equal(t, prev.Assignee.ID, task.Assignee.ID, "%s: who claimed completed", id)
				assert.Equal(t, task.Assignee.ID, task.Reason.User.ID, id)
			}
			if task.State != first.State {
				moved++
			}
			prev = task
		}
		assert.Equal(t, prev, readOracle(t, get(t, s, oracleURL(id, nil))), "%s: a plain GET shows where the polls left it", id)
	}
	assert.Positive(t, moved, "the polls move the open tasks")
}

func TestOracleReassignConcurrent(t *testing.T) {
	s := newServer(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				id := fmt.Sprintf("conc-%d", i%7)
				switch (g + i) % 3 {
				case 0:
					post(t, s, reassignURL(id), `{"identities":[{"id":"u"}]}`)
				case 1:
					get(t, s, oracleURL(id, nil), "Prefer", "scenario=progress")
				default:
					post(t, s, bulkURL, `{"taskIds":["conc-1","conc-2"],"identities":[{"id":"g","type":"GROUP"}]}`)
				}
				a := get(t, s, oracleURL(id, nil))
				requireValid(t, specs.Oracle, a)
			}
		})
	}
	wg.Wait()
}
