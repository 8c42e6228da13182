package contract_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

const tpsRoot = "https://organization.example.com/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/"

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func siblingBody(t *testing.T, name string) []byte {
	t.Helper()
	return testdataFile(t, "siblings", name)
}

// TestSiblingExamplesHaveNoViolations: the vendors' examples of the sibling
// operations validate with zero violations, strictly, with and without
// their requests.
func TestSiblingExamplesHaveNoViolations(t *testing.T) {
	v := newValidator(t, contract.Strict(true))
	tests := []struct {
		name string
		ex   contract.Exchange
	}{
		{"esri updateTask", contract.Exchange{API: specs.Esri, Status: 200, Header: jsonHeader, Body: siblingBody(t, "esri-updateTask-example.json"),
			Request: &contract.Request{Method: "GET", URL: tpsRoot + "tasks/updateTask?taskGroupJobId=150BFC70-EA45-4327-908D-D6E622CD8B93&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5&status=1&onFailureCancelTasks=true&f=json"}}},
		{"esri updateTask by name", contract.Exchange{API: specs.Esri, Operation: "updateTask", Body: siblingBody(t, "esri-updateTask-example.json")}},
		{"esri hasNextTask", contract.Exchange{API: specs.Esri, Status: 200, Header: jsonHeader, Body: siblingBody(t, "esri-hasNextTask-example.json"),
			Request: &contract.Request{Method: "POST", URL: tpsRoot + "taskgroups/hasNextTask", Form: map[string][]string{"taskGroupJobId": {"0C1AD6CD-04AC-430F-9A5D-3F9768755D68"}, "f": {"json"}}}}},
		{"oracle reassignTasks", contract.Exchange{API: specs.Oracle, Status: 200, Header: jsonHeader, Body: siblingBody(t, "oracle-reassignTasks-example.json"),
			Request: &contract.Request{Method: "POST", URL: "https://oracle.com/process/api/v1/tasks/reassign"}}},
		{"oracle reassignTask", contract.Exchange{API: specs.Oracle, Status: 204, Header: http.Header{},
			Request: &contract.Request{Method: "POST", URL: "https://oracle.com/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b/reassign"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := v.Validate(tt.ex)
			assert.Empty(t, rep.Violations)
			assert.NotEqual(t, specs.OpGetTask, rep.Operation)
		})
	}
}

type found struct {
	sev      contract.Severity
	rule     contract.Rule
	location string
	message  string
}

func TestSiblingRules(t *testing.T) {
	v := newValidator(t)
	updateReq := &contract.Request{Method: "POST", URL: tpsRoot + "tasks/updateTask",
		Form: map[string][]string{"taskGroupJobId": {"A031377A-E3C5-4C1A-A081-56285228A3A3"}, "taskOperationId": {"5F109F09-DF73-4A82-A5B9-0FAACF8200F5"}, "f": {"json"}}}
	tests := []struct {
		name string
		ex   contract.Exchange
		op   string
		want []found
	}{
		{"updateTask answers for another task", contract.Exchange{API: specs.Esri, Request: updateReq,
			Body: []byte(`{"taskOperationId":"F6208AD7-D10C-4E1C-AB8A-6CA429AD559C","success":true}`)}, specs.OpUpdateTask,
			[]found{{contract.SeverityError, contract.RuleTaskMismatch, "/taskOperationId", `expected the task asked for, taskOperationId "5F109F09-DF73-4A82-A5B9-0FAACF8200F5", found "F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"`}}},
		{"updateTask same task in lower case", contract.Exchange{API: specs.Esri, Request: updateReq,
			Body: []byte(`{"taskOperationId":"{5f109f09-df73-4a82-a5b9-0faacf8200f5}","success":true}`)}, specs.OpUpdateTask, nil},
		{"updateTask success false", contract.Exchange{API: specs.Esri, Operation: "updateTask",
			Body: []byte(`{"taskOperationId":"5F109F09-DF73-4A82-A5B9-0FAACF8200F5","success":false}`)}, specs.OpUpdateTask,
			[]found{{contract.SeverityError, contract.RuleEsriSuccessFalse, "/success", "expected true, found false: the server reports that updateTask failed"}}},
		{"updateTask error envelope", contract.Exchange{API: specs.Esri, Request: updateReq,
			Body: []byte(`{"error":{"code":400,"message":"Unable to update task.","details":["Invalid status."]}}`)}, specs.OpUpdateTask,
			[]found{{contract.SeverityError, contract.RuleErrorResponse, "/error", "expected a successful updateTask response, found an error envelope: the server answered with an ArcGIS error 400: Unable to update task. (Invalid status.)"}}},
		{"updateTask missing taskOperationId", contract.Exchange{API: specs.Esri, Operation: "updatetask", Body: []byte(`{"success":true}`)}, specs.OpUpdateTask,
			[]found{{contract.SeverityError, contract.RuleSchemaRequired, "/taskOperationId", ""}}},

		{"hasNextTask disagrees with taskCount", contract.Exchange{API: specs.Esri, Operation: "hasNextTask",
			Body: []byte(`{"taskCount":0,"hasNextTask":true,"nextTaskOperationId":"","success":true}`)}, specs.OpHasNextTask,
			[]found{
				{contract.SeverityWarning, contract.RuleEsriNextTask, "/hasNextTask", "expected false with taskCount 0, found true"},
				{contract.SeverityWarning, contract.RuleEsriNextTask, "/nextTaskOperationId", `expected the operation id of the next task, found string ""`},
			}},
		{"hasNextTask none left", contract.Exchange{API: specs.Esri, Operation: "hasNextTask",
			Body: []byte(`{"taskCount":0,"hasNextTask":false,"success":true}`)}, specs.OpHasNextTask, nil},
		{"hasNextTask documented error", contract.Exchange{API: specs.Esri, Request: &contract.Request{Method: "GET", URL: tpsRoot + "taskgroups/hasNextTask?taskGroupJobId=X&f=json"},
			Body: []byte(`{"success":false,"error":{"extendedCode":-2147211775,"message":"No task group found with the specified parameters.","details":[]}}`)}, specs.OpHasNextTask,
			[]found{{contract.SeverityError, contract.RuleErrorResponse, "/error", "expected a successful hasNextTask response, found an error envelope: the server answered with an ArcGIS error -2147211775: No task group found with the specified parameters."}}},

		{"getTaskGroups", contract.Exchange{API: specs.Esri, Request: &contract.Request{Method: "GET", URL: tpsRoot + "taskgroups/getTaskGroups?f=pjson"},
			Body: []byte(`{"count":1,"taskGroups":[{"objectId":1,"taskGroupId":"g","name":"Collect","description":"d","productName":"MGCPPublishData","workdays":{"days":"MTWRF","hours":8}}],"success":true}`)}, specs.OpGetTaskGroups, nil},
		{"getTaskGroups count and objectId", contract.Exchange{API: specs.Esri, Operation: "getTaskGroups",
			Body: []byte(`{"count":4,"taskGroups":[{"objectId":"1"},{"objectId":true},{"objectId":2.5}],"success":true}`)}, specs.OpGetTaskGroups,
			[]found{
				{contract.SeverityWarning, contract.RuleEsriGroupCount, "/count", "expected the number of taskGroups (3), found 4"},
				{contract.SeverityWarning, contract.RuleEsriObjectID, "/taskGroups/0/objectId", "expected an integer, as getTaskGroups shows objectId, found a string (as addTaskGroup's page shows it)"},
				{contract.SeverityError, contract.RuleSchemaType, "/taskGroups/1/objectId", "expected an integer, found boolean true"},
				{contract.SeverityError, contract.RuleSchemaType, "/taskGroups/2/objectId", "expected an integer, found number 2.5"},
			}},
		{"executeTaskJob for another job", contract.Exchange{API: specs.Esri, Request: &contract.Request{Method: "GET", URL: tpsRoot + "tasks/executeTaskJob?taskGroupJobId=150BFC70-EA45-4327-908D-D6E622CD8B93&productName=MGCPPublishData&productVersion=MGCP_50K_Replica&f=json"},
			Body: []byte(`{"jobId":"0C1AD6CD-04AC-430F-9A5D-3F9768755D68","statusUrl":"https://h/jobs/1","success":true}`)}, specs.OpExecuteTaskJob,
			[]found{{contract.SeverityError, contract.RuleJobMismatch, "/jobId", `expected the task group job asked for, taskGroupJobId "150BFC70-EA45-4327-908D-D6E622CD8B93", found "0C1AD6CD-04AC-430F-9A5D-3F9768755D68"`}}},

		{"reassignTask with a body", contract.Exchange{API: specs.Oracle, Status: 204, Request: &contract.Request{Method: "POST", URL: "/process/api/v1/tasks/1/reassign"},
			Body: []byte(`{"ok":true}`)}, specs.OpReassignTask,
			[]found{{contract.SeverityError, contract.RuleBodyNotEmpty, "body", "expected no content with 204, found a body of 11 bytes"}}},
		{"reassignTask 200", contract.Exchange{API: specs.Oracle, Status: 200, Operation: "reassignTask"}, specs.OpReassignTask,
			[]found{{contract.SeverityError, contract.RuleStatusUndocumented, "status", "expected a status documented for POST /process/api/v1/tasks/{id}/reassign (204, 401, 404, 429, 500, 503), found 200"}}},
		{"reassignTask 404", contract.Exchange{API: specs.Oracle, Status: 404, Header: jsonHeader, Operation: "reassignTask", Body: []byte(`{"title":"Not Found","detail":"Task not found for given ID"}`)}, specs.OpReassignTask,
			[]found{{contract.SeverityError, contract.RuleErrorResponse, "status", "expected a successful reassignTask response, found an error: the server answered 404 Not Found: Task not found for given ID"}}},
		{"reassignTasks 400", contract.Exchange{API: specs.Oracle, Status: 400, Header: jsonHeader, Request: &contract.Request{Method: "POST", URL: "/process/api/v1/tasks/reassign"},
			Body: []byte(`{"detail":"Bad request - invalid input"}`)}, specs.OpReassignTasks,
			[]found{{contract.SeverityError, contract.RuleErrorResponse, "status", "expected a successful reassignTasks response, found an error: the server answered 400 Bad Request: Bad request - invalid input"}}},
		{"reassignTasks counts", contract.Exchange{API: specs.Oracle, Status: 200, Operation: "reassignTasks",
			Body: []byte(`{"totalCount":3,"sucessCount":2,"failedCount":0,"items":[{"taskId":"a","status":"Success"},{"taskId":"b","status":"Failed"}]}`)}, specs.OpReassignTasks,
			[]found{
				{contract.SeverityError, contract.RuleOracleBulkCounts, "/failedCount", "expected the number of items with status Failed (1), found 0"},
				{contract.SeverityWarning, contract.RuleOracleBulkErrorMsg, "/items/1/errorMessage", "expected why the task was not reassigned, found none"},
				{contract.SeverityError, contract.RuleOracleBulkCounts, "/sucessCount", "expected the number of items with status Success (1), found 2"},
				{contract.SeverityError, contract.RuleOracleBulkCounts, "/totalCount", "expected sucessCount + failedCount (2 + 0), found 3"},
				{contract.SeverityError, contract.RuleOracleBulkCounts, "/totalCount", "expected the number of items (2), found 3"},
			}},
		{"reassignTasks failure explained", contract.Exchange{API: specs.Oracle, Status: 200, Operation: "reassignTasks",
			Body: []byte(`{"totalCount":1,"sucessCount":0,"failedCount":1,"items":[{"taskId":"a","status":"Failed","errorMessage":"Task not found for given ID"}]}`)}, specs.OpReassignTasks, nil},
		{"reassignTasks spelled right", contract.Exchange{API: specs.Oracle, Status: 200, Operation: "reassignTasks",
			Body: []byte(`{"totalCount":0,"successCount":0,"failedCount":0,"items":[]}`)}, specs.OpReassignTasks,
			[]found{{contract.SeverityWarning, contract.RuleUnknownField, "/successCount", `property "successCount" is not in the documented schema`}}},
		{"unknown operation", contract.Exchange{API: specs.Oracle, Operation: "claimTask"}, "",
			[]found{{contract.SeverityError, contract.RuleUnknownOperation, "operation", `expected an operation of the registry: unknown oracle operation "claimTask" (known: getTask, reassignTask, reassignTasks)`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := v.Validate(tt.ex)
			assert.Equal(t, tt.op, rep.Operation)
			var got []found
			for _, vi := range rep.Violations {
				w := found{vi.Severity, vi.Rule, vi.Location, vi.Message}
				got = append(got, w)
			}
			if len(tt.want) == 1 && tt.want[0].message == "" {
				require.Len(t, got, 1)
				got[0].message = ""
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzValidateOperations: any body and status, for any operation of either
// API, give a report naming that operation, never a panic, and every
// violation is complete.
func FuzzValidateOperations(f *testing.F) {
	v, err := contract.New()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(1), 200, testdataFile(f, "siblings", "esri-updateTask-example.json"))
	f.Add(uint8(3), 200, testdataFile(f, "siblings", "esri-hasNextTask-example.json"))
	f.Add(uint8(4), 200, []byte(`{"count":1,"taskGroups":[{"objectId":"1","workdays":{"days":"MTWRF","hours":8}}],"success":true}`))
	f.Add(uint8(2), 200, []byte(`{"jobId":"x","statusUrl":"u","success":false}`))
	f.Add(uint8(6), 204, []byte(``))
	f.Add(uint8(7), 200, testdataFile(f, "siblings", "oracle-reassignTasks-example.json"))
	f.Add(uint8(7), 200, []byte(`{"totalCount":1e400,"sucessCount":-1,"failedCount":"x","items":[null,{"status":"Failed"}]}`))
	type target struct {
		api specs.Name
		op  specs.Operation
	}
	var targets []target
	for _, api := range specs.All() {
		for _, op := range api.Operations {
			targets = append(targets, target{api.Name, op})
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, status int, body []byte) {
		tg := targets[int(which)%len(targets)]
		rep := v.Validate(contract.Exchange{API: tg.api, Operation: tg.op.ID, Status: status, Body: body, Header: jsonHeader})
		if rep.Operation != tg.op.ID {
			t.Fatalf("report of %s names %q", tg.op.ID, rep.Operation)
		}
		for _, vi := range rep.Violations {
			if vi.Rule == "" || vi.Location == "" || vi.Message == "" || (vi.Severity != contract.SeverityError && vi.Severity != contract.SeverityWarning) {
				t.Fatalf("incomplete violation %+v", vi)
			}
		}
	})
}
