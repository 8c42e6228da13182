package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seen is a request a fake server received.
type seen struct {
	method, path, query, contentType, body string
}

// fakeServer answers every request with status and body, and records
// what it received.
func fakeServer(t *testing.T, status int, body string) (*httptest.Server, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(b)})
		mu.Unlock()
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

func writeBody(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "body.json")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

const (
	checkGroup = "150BFC70-EA45-4327-908D-D6E622CD8B93"
	checkTask  = "5F109F09-DF73-4A82-A5B9-0FAACF8200F5"
	tpsSuffix  = "/TopographicProductionServer/workflows/"
)

func TestCheckOperations(t *testing.T) {
	reassign := `{"identities":[{"id":"077acfe8-fc17-4ceb-8216-e03286aab802","type":"USER"}],"comment":"away"}`
	bulk := `{"taskIds":["a","b"],"identities":[{"id":"u","type":"USER"}]}`
	tests := []struct {
		name         string
		status       int
		answer       string
		args         func(base string) []string
		code         int
		wantRequests []seen
		have         []string
	}{
		{"esri updateTask as a form POST", 200, `{"taskOperationId":"` + checkTask + `","success":true}`,
			func(base string) []string {
				return []string{"--api", "esri", "--operation", "updateTask", "--base-url", base + "/arcgis/rest/services/Prod", "--method", "post",
					"--task-group-job-id", checkGroup, "--task-operation-id", checkTask, "--param", "status=2", "--param", "onFailureCancelTasks=true", "--token", "s3cret-tok"}
			}, 0,
			[]seen{{"POST", "/arcgis/rest/services/Prod" + tpsSuffix + "tasks/updateTask", "", "application/x-www-form-urlencoded",
				"f=json&onFailureCancelTasks=true&status=2&taskGroupJobId=" + checkGroup + "&taskOperationId=" + checkTask + "&token=s3cret-tok"}},
			[]string{"POST ", "/TopographicProductionServer/workflows/tasks/updateTask onFailureCancelTasks=true&status=2&taskGroupJobId=", ": 200 OK in ", "checked 1 response: 1 passed"}},
		{"esri updateTask answering another task fails", 200, `{"taskOperationId":"F6208AD7-D10C-4E1C-AB8A-6CA429AD559C","success":true}`,
			func(base string) []string {
				return []string{"--api", "esri", "--operation", "updateTask", "--base-url", base, "--task-group-job-id", checkGroup, "--task-operation-id", checkTask}
			}, 1, nil,
			[]string{"error /taskOperationId task-mismatch: expected the task asked for"}},
		{"esri hasNextTask with the group only", 200, `{"taskCount":3,"hasNextTask":true,"nextTaskOperationId":"5f109f09-df73-4a82-a5b9-0faacf8200f5","success":true}`,
			func(base string) []string {
				return []string{"--api", "esri", "--operation", "hasnexttask", "--base-url", base + "/s", "--task-group-job-id", checkGroup}
			}, 0,
			[]seen{{"GET", "/s" + tpsSuffix + "taskgroups/hasNextTask", "f=json&taskGroupJobId=" + checkGroup, "", ""}},
			[]string{"checked 1 response: 1 passed"}},
		{"esri getTaskGroups with a filter", 200, `{"count":0,"taskGroups":[],"success":true}`,
			func(base string) []string {
				return []string{"--api", "esri", "--operation", "getTaskGroups", "--base-url", base, "--param", "productName=MGCPPublishData"}
			}, 0,
			[]seen{{"GET", tpsSuffix[:len(tpsSuffix)-1] + "/taskgroups/getTaskGroups", "f=json&productName=MGCPPublishData", "", ""}},
			[]string{"checked 1 response: 1 passed"}},
		{"esri bad status is not sent", 200, "",
			func(base string) []string {
				return []string{"--api", "esri", "--operation", "updateTask", "--base-url", base, "--task-group-job-id", checkGroup, "--task-operation-id", checkTask, "--param", "status=9"}
			}, 2, nil,
			[]string{"the request does not fit updateTask: --param status: expected one of 0, 1, 2, 3, 4, 5, found another value"}},
		{"esri executeTaskJob needs its product", 200, "",
			func(base string) []string {
				return []string{"--api", "esri", "--operation", "executeTaskJob", "--base-url", base, "--task-group-job-id", checkGroup, "--param", "productName=P"}
			}, 2, nil,
			[]string{"--param productVersion: expected the required parameter, found none"}},
		{"esri base URL of another operation", 200, "",
			func(base string) []string {
				return []string{"--api", "esri", "--operation", "updateTask", "--base-url", base + tpsSuffix + "tasks/getTask", "--task-group-job-id", checkGroup, "--task-operation-id", checkTask}
			}, 2, nil,
			[]string{"--base-url is the URL of getTask, not of updateTask"}},
		{"unknown operation", 200, "",
			func(base string) []string {
				return []string{"--api", "oracle", "--operation", "claimTask", "--base-url", base, "--id", "1"}
			}, 2, nil,
			[]string{`--operation must be an operation of oracle: unknown oracle operation "claimTask" (known: getTask, reassignTask, reassignTasks)`}},
		{"oracle reassignTask for each id", 204, "",
			func(base string) []string {
				return []string{"--api", "oracle", "--operation", "reassignTask", "--base-url", base, "--id", "1", "--id", "2", "--body", writeBody(t, reassign), "--concurrency", "1"}
			}, 0,
			[]seen{{"POST", "/process/api/v1/tasks/1/reassign", "", "application/json", reassign}, {"POST", "/process/api/v1/tasks/2/reassign", "", "application/json", reassign}},
			[]string{"POST " + "", "/process/api/v1/tasks/1/reassign: 204 No Content in ", "checked 2 responses: 2 passed"}},
		{"oracle reassignTask needs a body", 204, "",
			func(base string) []string {
				return []string{"--api", "oracle", "--operation", "reassignTask", "--base-url", base, "--id", "1"}
			}, 2, nil,
			[]string{"--body FILE is required for --operation reassignTask"}},
		{"oracle reassignTask with a bad body is not sent", 204, "",
			func(base string) []string {
				return []string{"--api", "oracle", "--operation", "reassignTask", "--base-url", base, "--id", "1", "--body", writeBody(t, `{"identities":[{"id":"u","type":"USR"}]}`)}
			}, 2, nil,
			[]string{"--body body.identities[0].type: expected one of USER, GROUP, ROLE, found another value"}},
		{"oracle reassignTasks", 200, `{"totalCount":2,"sucessCount":1,"failedCount":1,"items":[{"taskId":"a","status":"Success"},{"taskId":"b","status":"Failed","errorMessage":"Task not found for given ID"}]}`,
			func(base string) []string {
				return []string{"--api", "oracle", "--operation", "reassignTasks", "--base-url", base, "--body", writeBody(t, bulk), "--format", "json"}
			}, 0,
			[]seen{{"POST", "/process/api/v1/tasks/reassign", "", "application/json", bulk}},
			[]string{`"operation": "reassignTasks"`, `"status": 200`}},
		{"oracle reassignTasks counts that do not add up", 200, `{"totalCount":2,"sucessCount":2,"failedCount":0,"items":[{"taskId":"a","status":"Success"}]}`,
			func(base string) []string {
				return []string{"--api", "oracle", "--operation", "reassignTasks", "--base-url", base, "--body", writeBody(t, bulk)}
			}, 1, nil,
			[]string{"error /totalCount oracle-bulk-counts: expected the number of items (1), found 2"}},
		{"oracle reassignTasks takes no id", 200, "",
			func(base string) []string {
				return []string{"--api", "oracle", "--operation", "reassignTasks", "--base-url", base, "--id", "1", "--body", writeBody(t, bulk)}
			}, 2, nil,
			[]string{"--id and --ids-from are not for --operation reassignTasks"}},
		{"--param is for esri", 200, "",
			func(base string) []string {
				return []string{"--api", "oracle", "--base-url", base, "--id", "1", "--param", "a=b"}
			}, 2, nil,
			[]string{"--param are for --api esri"}},
		{"--param f is refused", 200, "",
			func(base string) []string {
				return []string{"--api", "esri", "--base-url", base, "--task-group-job-id", "A", "--task-operation-id", "B", "--param", "f=html"}
			}, 2, nil,
			[]string{"f is set by check"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, requests := fakeServer(t, tt.status, tt.answer)
			code, stdout, stderr := runCheckCmd(t, append(tt.args(srv.URL), "--color", "never")...)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			for _, h := range tt.have {
				assert.Contains(t, stdout+stderr, h)
			}
			assert.NotContains(t, stdout+stderr, "s3cret-tok")
			if tt.code == 2 {
				assert.Empty(t, requests(), "nothing is sent on a usage error")
			}
			if tt.wantRequests != nil {
				assert.ElementsMatch(t, tt.wantRequests, requests())
			}
		})
	}
}

// TestCheckMutatingNotRetriedOnConnectionErrors: a reassignment whose
// connection broke may have been applied, so it is not sent again; a
// getTask is.
func TestCheckMutatingNotRetriedOnConnectionErrors(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.Method]++
		mu.Unlock()
		hj, ok := w.(http.Hijacker)
		require.True(t, ok)
		conn, _, err := hj.Hijack()
		require.NoError(t, err)
		_ = conn.Close()
	}))
	t.Cleanup(srv.Close)
	body := writeBody(t, `{"identities":[{"id":"u","type":"USER"}]}`)
	code, _, _ := runCheckCmd(t, "--api", "oracle", "--operation", "reassignTask", "--base-url", srv.URL, "--id", "1", "--body", body, "--retries", "2", "--backoff", "1ms")
	assert.Equal(t, 2, code)
	code, _, _ = runCheckCmd(t, "--api", "oracle", "--base-url", srv.URL, "--id", "1", "--retries", "2", "--backoff", "1ms")
	assert.Equal(t, 2, code)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, calls["POST"])
	assert.Equal(t, 3, calls["GET"])
}
