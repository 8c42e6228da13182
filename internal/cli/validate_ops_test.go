package cli_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entry is one HAR entry of method at url (with a form body when form is
// not empty) answered with status and body.
func entry(t *testing.T, method, url, form string, status int, body string) string {
	t.Helper()
	req := map[string]any{"method": method, "url": url, "headers": []any{}}
	if form != "" {
		req["postData"] = map[string]any{"mimeType": "application/x-www-form-urlencoded", "text": form}
	}
	res := map[string]any{"status": status, "headers": []any{}, "content": map[string]any{"text": body}}
	if body != "" {
		res["headers"] = []any{map[string]any{"name": "Content-Type", "value": "application/json"}}
	}
	b, err := json.Marshal(map[string]any{"request": req, "response": res})
	require.NoError(t, err)
	return string(b)
}

// TestValidateRoutesHAREntriesToOperations: every operation of the specs is
// validated as itself, whatever the prefix of an Esri URL and the letter
// case of taskgroups; entries of operations the specs do not describe are
// skipped; reports name the operation.
func TestValidateRoutesHAREntriesToOperations(t *testing.T) {
	const tps = "https://gis.example.com/arcgis/rest/services/Prod/MapServer/exts/TopographicProductionServer/workflows/"
	const opa = "https://opa.example.com/process/api/v1/tasks/"
	har := harOfEntries(
		entry(t, "POST", tps+"tasks/updateTask", "f=json&taskGroupJobId=150BFC70-EA45-4327-908D-D6E622CD8B93&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5&status=1", 200,
			`{"taskOperationId": "5F109F09-DF73-4A82-A5B9-0FAACF8200F5", "success": true}`),
		entry(t, "POST", tps+"tasks/updateTask", "f=json&taskGroupJobId=A&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5", 200,
			`{"taskOperationId": "F6208AD7-D10C-4E1C-AB8A-6CA429AD559C", "success": true}`),
		entry(t, "GET", tps+"taskGroups/hasNextTask?taskGroupJobId=0C1AD6CD-04AC-430F-9A5D-3F9768755D68&f=json", "", 200,
			`{"taskCount": 0, "hasNextTask": true, "nextTaskOperationId": "5f109f09-df73-4a82-a5b9-0faacf8200f5", "success": true}`),
		entry(t, "GET", tps+"taskgroups/getTaskGroups?f=json", "", 200, `{"count": 0, "taskGroups": [], "success": true}`),
		entry(t, "GET", tps+"tasks/listTasks?f=json", "", 200, `{"tasks": []}`),
		entry(t, "POST", opa+"1f15bc3a-5948-11ef-873e-0242ac15001b/reassign", "", 204, ""),
		entry(t, "POST", opa+"reassign", "", 200, `{"totalCount": 1, "sucessCount": 1, "failedCount": 0, "items": [{"taskId": "a", "status": "Success"}]}`),
		entry(t, "GET", opa+"1f15bc3a-5948-11ef-873e-0242ac15001b/comments", "", 200, `{"items": []}`),
	)

	r := run(t, har, "validate", "--color", "never", "-")
	require.Equal(t, 1, r.code, r.stderr)
	assert.Equal(t, `-#2 (updateTask): error /taskOperationId task-mismatch: expected the task asked for, taskOperationId "5F109F09-DF73-4A82-A5B9-0FAACF8200F5", found "F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"
-#3 (hasNextTask): warning /hasNextTask esri-next-task: expected false with taskCount 0, found true
`, r.stdout[:len(r.stdout)-len(lastLine(r.stdout))])
	assert.Contains(t, lastLine(r.stdout), "checked 6 responses: 5 passed, 1 failed (1 error, 1 warning)")

	r = run(t, har, "validate", "--format", "json", "-")
	var rep jsonReport
	decodeStrict(t, []byte(r.stdout), &rep)
	var ops []string
	for _, res := range rep.Results {
		ops = append(ops, res.API+" "+res.Operation)
	}
	assert.Equal(t, []string{"esri updateTask", "esri updateTask", "esri hasNextTask", "esri getTaskGroups", "oracle reassignTask", "oracle reassignTasks"}, ops)
}

func lastLine(s string) string {
	if len(s) == 0 {
		return ""
	}
	i := len(s) - 2
	for i >= 0 && s[i] != '\n' {
		i--
	}
	return s[i+1:]
}

func TestValidateOperationFlag(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		have  string
	}{
		{"a bare updateTask body", []string{"--api", "esri", "--operation", "updateTask", "-"},
			`{"taskOperationId": "5F109F09-DF73-4A82-A5B9-0FAACF8200F5", "success": true}`, 0, "checked 1 response: 1 passed"},
		{"the same body as getTask", []string{"--api", "esri", "-"},
			`{"taskOperationId": "5F109F09-DF73-4A82-A5B9-0FAACF8200F5", "success": true}`, 1, "-: error /task schema-required"},
		{"a bare bulk answer that does not add up", []string{"--api", "oracle", "--operation", "reassignTasks", "-"},
			`{"totalCount": 3, "sucessCount": 2, "failedCount": 0, "items": []}`, 1, "- (reassignTasks): error /totalCount oracle-bulk-counts: expected sucessCount + failedCount (2 + 0), found 3"},
		{"needs --api", []string{"--operation", "updateTask", "-"}, `{}`, 2, "--operation needs --api"},
		{"unknown operation", []string{"--api", "oracle", "--operation", "updateTask", "-"}, `{}`, 2,
			`--operation must be an operation of oracle: unknown oracle operation "updateTask" (known: getTask, reassignTask, reassignTasks)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.stdin, append([]string{"validate", "--color", "never"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, "%s\n%s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout+r.stderr, tt.have)
		})
	}
}
