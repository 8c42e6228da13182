package contract_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// edit decodes a seed body, applies the changes (JSON Pointer → value; a
// nil value deletes the member) and encodes it again.
func edit(t *testing.T, body []byte, changes map[string]any) []byte {
	t.Helper()
	var doc any
	require.NoError(t, json.Unmarshal(body, &doc))
	for ptr, val := range changes {
		tokens := strings.Split(ptr, "/")[1:]
		parent := doc
		for _, tok := range tokens[:len(tokens)-1] {
			switch p := parent.(type) {
			case map[string]any:
				parent = p[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				require.NoError(t, err)
				parent = p[i]
			}
		}
		last := tokens[len(tokens)-1]
		switch p := parent.(type) {
		case map[string]any:
			if val == nil {
				delete(p, last)
			} else {
				p[last] = val
			}
		case []any:
			i, err := strconv.Atoi(last)
			require.NoError(t, err)
			p[i] = val
		default:
			t.Fatalf("edit: %s has no parent object or array", ptr)
		}
	}
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	return out
}

type want struct {
	sev  contract.Severity
	rule contract.Rule
	loc  string
}

func errAt(rule contract.Rule, loc string) want {
	return want{contract.SeverityError, rule, loc}
}

func warnAt(rule contract.Rule, loc string) want {
	return want{contract.SeverityWarning, rule, loc}
}

// del marks a member to delete in edit.
var del any

func TestBrokenResponses(t *testing.T) {
	v := newValidator(t)
	esri := seedBody(t, "esri-getTask-example.json")
	oracle := seedBody(t, "oracle-get-task-example.json")
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	esriReq := func(query string) *contract.Request {
		return &contract.Request{Method: "GET", URL: "https://gis.example.com/arcgis/rest/services/Prod/TopographicProductionServer/workflows/tasks/getTask?" + query}
	}

	cases := []struct {
		name   string
		api    specs.Name
		status int
		header http.Header
		req    *contract.Request
		body   []byte
		want   []want
	}{
		// Esri: schema.
		{name: "esri statusCode as string", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/statusCode": "0"}),
			want: []want{errAt(contract.RuleSchemaType, "/task/statusCode")}},
		{name: "esri isRework as string", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/isRework": "false"}),
			want: []want{errAt(contract.RuleSchemaType, "/task/isRework")}},
		{name: "esri taskOrder fractional", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/taskOrder": 1.5}),
			want: []want{errAt(contract.RuleSchemaType, "/task/taskOrder")}},
		{name: "esri levelOfEffort null", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/levelOfEffort": json.RawMessage("null")}),
			want: []want{errAt(contract.RuleSchemaType, "/task/levelOfEffort")}},
		{name: "esri missing task", api: specs.Esri, body: []byte(`{"success":true}`),
			want: []want{errAt(contract.RuleSchemaRequired, "/task")}},
		{name: "esri missing success", api: specs.Esri, body: edit(t, esri, map[string]any{"/success": del}),
			want: []want{errAt(contract.RuleSchemaRequired, "/success")}},
		{name: "esri missing taskWorkId", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/taskWorkId": del}),
			want: []want{errAt(contract.RuleSchemaRequired, "/task/taskWorkId")}},
		{name: "esri task as array", api: specs.Esri, body: []byte(`{"task":[],"success":true}`),
			want: []want{errAt(contract.RuleSchemaType, "/task")}},
		{name: "esri body is an array", api: specs.Esri, body: []byte(`[{"task":{}}]`),
			want: []want{errAt(contract.RuleSchemaType, "body")}},
		{name: "esri startOn month 13", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/startOn": "2025-13-26T23:13:17Z"}),
			want: []want{errAt(contract.RuleSchemaFormat, "/task/startOn")}},
		{name: "esri endOn hour 25", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/endOn": "2025-09-30T25:13:17Z"}),
			want: []want{errAt(contract.RuleSchemaFormat, "/task/endOn")}},
		{name: "esri startedOn not a date", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/status": "inProgress", "/task/statusCode": 2, "/task/startedOn": "yesterday"}),
			want: []want{errAt(contract.RuleSchemaFormat, "/task/startedOn")}},
		{name: "esri endedOn Feb 29 of a common year", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/status": "completed", "/task/statusCode": 3, "/task/startedOn": "2025-02-01T00:00:00Z", "/task/endedOn": "2025-02-29T00:00:00Z"}),
			want: []want{errAt(contract.RuleSchemaFormat, "/task/endedOn")}},
		{name: "esri date as epoch number", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/startOn": 1758928397000}),
			want: []want{errAt(contract.RuleSchemaType, "/task/startOn")}},
		// Esri: envelopes.
		{name: "esri error envelope 498", api: specs.Esri, body: []byte(`{"error":{"code":498,"message":"Invalid token.","details":[]}}`),
			want: []want{errAt(contract.RuleErrorResponse, "/error")}},
		{name: "esri error envelope negative code and success false", api: specs.Esri, body: []byte(`{"error":{"extendedCode":-2147211775,"message":"No task group found with the specified parameters.","details":[]},"success":false}`),
			want: []want{errAt(contract.RuleErrorResponse, "/error")}},
		{name: "esri error envelope without message", api: specs.Esri, body: []byte(`{"error":{"code":500,"details":[]}}`),
			want: []want{errAt(contract.RuleErrorResponse, "/error"), errAt(contract.RuleSchemaRequired, "/error/message")}},
		{name: "esri error details not strings", api: specs.Esri, body: []byte(`{"error":{"code":400,"message":"Invalid parameters","details":[42]}}`),
			want: []want{errAt(contract.RuleErrorResponse, "/error"), errAt(contract.RuleSchemaType, "/error/details/0")}},
		{name: "esri success false beside a task", api: specs.Esri, body: edit(t, esri, map[string]any{"/success": false}),
			want: []want{errAt(contract.RuleEsriSuccessFalse, "/success")}},
		// Esri: semantics.
		{name: "esri status/statusCode mismatch", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/statusCode": 3}),
			want: []want{warnAt(contract.RuleEsriStatusPair, "/task/statusCode")}},
		{name: "esri unknown status", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/status": "paused"}),
			want: []want{warnAt(contract.RuleEsriStatusUnknown, "/task/status")}},
		{name: "esri endOn before startOn", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/endOn": "2025-09-20T23:13:17Z"}),
			want: []want{warnAt(contract.RuleEsriPlannedOrder, "/task/endOn")}},
		{name: "esri endedOn before startedOn", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/status": "completed", "/task/statusCode": 3, "/task/startedOn": "2025-09-28T10:00:00Z", "/task/endedOn": "2025-09-27T10:00:00Z"}),
			want: []want{warnAt(contract.RuleEsriActualOrder, "/task/endedOn")}},
		{name: "esri endedOn without startedOn", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/status": "canceled", "/task/statusCode": 5, "/task/endedOn": "2025-09-27T10:00:00Z"}),
			want: []want{warnAt(contract.RuleEsriActualOrder, "/task/startedOn")}},
		{name: "esri in progress without startedOn", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/status": "inProgress", "/task/statusCode": 2}),
			want: []want{warnAt(contract.RuleEsriStatusDates, "/task/startedOn")}},
		{name: "esri negative duration", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/duration": -4}),
			want: []want{errAt(contract.RuleEsriNegativeHours, "/task/duration")}},
		{name: "esri negative levelOfEffort", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/levelOfEffort": -0.5}),
			want: []want{errAt(contract.RuleEsriNegativeHours, "/task/levelOfEffort")}},
		{name: "esri taskWorkId not a GUID", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/taskWorkId": "12345"}),
			want: []want{warnAt(contract.RuleEsriGUID, "/task/taskWorkId")}},
		{name: "esri taskOperationId with one brace", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/taskOperationId": "{F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"}),
			want: []want{warnAt(contract.RuleEsriGUID, "/task/taskOperationId")}},
		{name: "esri undocumented property", api: specs.Esri, body: edit(t, esri, map[string]any{"/task/priorityLabel": "high"}),
			want: []want{warnAt(contract.RuleUnknownField, "/task/priorityLabel")}},
		// Esri: transport.
		{name: "esri HTTP 500", api: specs.Esri, status: 500, body: []byte(`<html>Server Error</html>`),
			want: []want{errAt(contract.RuleStatusUndocumented, "status")}},
		{name: "esri f=json answered as HTML", api: specs.Esri, req: esriReq("f=json&taskGroupJobId=A&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"), header: http.Header{"Content-Type": {"text/html"}}, body: esri,
			want: []want{errAt(contract.RuleContentType, "header/Content-Type")}},
		{name: "esri f=html answered as JSON", api: specs.Esri, req: esriReq("f=html"), header: jsonHeader, body: esri,
			want: []want{errAt(contract.RuleContentType, "header/Content-Type")}},
		{name: "esri JSONP body that is not a call", api: specs.Esri, req: esriReq("f=json&callback=cb"), header: http.Header{"Content-Type": {"application/javascript"}}, body: esri,
			want: []want{errAt(contract.RuleBodyNotJSON, "body")}},
		{name: "esri truncated body", api: specs.Esri, body: esri[:len(esri)/2],
			want: []want{errAt(contract.RuleBodyNotJSON, "body")}},
		{name: "esri empty body", api: specs.Esri, header: jsonHeader, body: nil,
			want: []want{errAt(contract.RuleBodyNotJSON, "body")}},
		{name: "esri stray brace after the body", api: specs.Esri, body: append(bytes.Clone(esri), '}'),
			want: []want{errAt(contract.RuleBodyNotJSON, "body")}},
		{name: "oracle second value after the body", api: specs.Oracle, body: append(bytes.Clone(oracle), []byte(" \n{}")...),
			want: []want{errAt(contract.RuleBodyNotJSON, "body")}},

		// Oracle: schema.
		{name: "oracle state in lower case", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/state": "completed"}),
			want: []want{errAt(contract.RuleSchemaEnum, "/state")}},
		{name: "oracle unknown state", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/state": "SUSPENDED"}),
			want: []want{errAt(contract.RuleSchemaEnum, "/state")}},
		{name: "oracle substate in mixed case", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/substate": "Expired"}),
			want: []want{errAt(contract.RuleSchemaEnum, "/substate")}},
		{name: "oracle priority 4", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/priority": 4}),
			want: []want{errAt(contract.RuleSchemaEnum, "/priority")}},
		{name: "oracle priority as string", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/priority": "2"}),
			want: []want{errAt(contract.RuleSchemaType, "/priority")}},
		{name: "oracle reason.action unknown", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/reason/action": "APPROVE"}),
			want: []want{errAt(contract.RuleSchemaEnum, "/reason/action")}},
		{name: "oracle reason.subaction lower case", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/reason/subaction": "faulted"}),
			want: []want{errAt(contract.RuleSchemaEnum, "/reason/subaction")}},
		{name: "oracle createdBy type unknown", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/createdBy/type": "GROUP"}),
			want: []want{errAt(contract.RuleSchemaEnum, "/createdBy/type")}},
		{name: "oracle isAdhoc as string", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/isAdhoc": "false"}),
			want: []want{errAt(contract.RuleSchemaType, "/isAdhoc")}},
		{name: "oracle link without href", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/links/2/href": del}),
			want: []want{errAt(contract.RuleSchemaRequired, "/links/2/href")}},
		{name: "oracle link without rel", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/links/1/rel": del}),
			want: []want{errAt(contract.RuleSchemaRequired, "/links/1/rel")}},
		{name: "oracle link code out of range", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/links/0/code": 42}),
			want: []want{errAt(contract.RuleSchemaRange, "/links/0/code")}},
		{name: "oracle createdDate impossible", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/createdDate": "2024-08-13T25:46:16.582+00:00"}),
			want: []want{errAt(contract.RuleSchemaFormat, "/createdDate")}},
		{name: "oracle dueDate as a date only", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/dueDate": "2024-08-13"}),
			want: []want{errAt(contract.RuleSchemaFormat, "/dueDate")}},
		{name: "oracle reason.date with a bad zone", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/reason/date": "2024-08-13T07:51:16.117 GMT"}),
			want: []want{errAt(contract.RuleSchemaFormat, "/reason/date")}},
		{name: "oracle candidateUsers not an array", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/candidateUsers": "hael"}),
			want: []want{errAt(contract.RuleSchemaType, "/candidateUsers")}},
		{name: "oracle body not JSON", api: specs.Oracle, header: jsonHeader, body: []byte(`<html>gateway</html>`),
			want: []want{errAt(contract.RuleBodyNotJSON, "body")}},
		{name: "oracle undocumented property", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/reason/approver": "x"}),
			want: []want{warnAt(contract.RuleUnknownField, "/reason/approver")}},
		// Oracle: semantics.
		{name: "oracle COMPLETED without completedDate", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/completedDate": del}),
			want: []want{warnAt(contract.RuleOracleCompletedDates, "/completedDate")}},
		{name: "oracle COMPLETED without finishedDate", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/finishedDate": del}),
			want: []want{warnAt(contract.RuleOracleCompletedDates, "/finishedDate")}},
		{name: "oracle assigned before created", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/assignedDate": "2024-08-13T07:40:00.000+00:00"}),
			want: []want{warnAt(contract.RuleOracleDateOrder, "/assignedDate")}},
		{name: "oracle lastUpdated before assigned", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/lastUpdatedDate": "2024-08-13T07:46:16.590+00:00"}),
			want: []want{warnAt(contract.RuleOracleDateOrder, "/lastUpdatedDate")}},
		{name: "oracle substate that does not go with state", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/state": "ASSIGNED", "/reason/action": "INITIATE", "/substate": "EXPIRED"}),
			want: []want{warnAt(contract.RuleOracleSubstate, "/substate"), warnAt(contract.RuleOracleReasonAction, "/reason/action")}},
		{name: "oracle action that does not fit the state", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/reason/action": "CLAIM"}),
			want: []want{warnAt(contract.RuleOracleReasonAction, "/reason/action")}},
		{name: "oracle self link of another task", api: specs.Oracle, body: edit(t, oracle, map[string]any{"/links/0/href": "http://oracle.com:9020/process/api/v1/tasks/other"}),
			want: []want{warnAt(contract.RuleOracleSelfLink, "/links/0/href")}},
		// Oracle: transport.
		{name: "oracle 404", api: specs.Oracle, status: 404, header: jsonHeader, body: []byte(`{"title":"Task not found for given ID","status":404}`),
			want: []want{errAt(contract.RuleErrorResponse, "status")}},
		{name: "oracle 401 without body", api: specs.Oracle, status: 401,
			want: []want{errAt(contract.RuleErrorResponse, "status")}},
		{name: "oracle 503 with HTML", api: specs.Oracle, status: 503, header: http.Header{"Content-Type": {"text/html"}}, body: []byte(`<html>busy</html>`),
			want: []want{errAt(contract.RuleErrorResponse, "status"), warnAt(contract.RuleContentType, "header/Content-Type"), warnAt(contract.RuleBodyNotJSON, "body")}},
		{name: "oracle 502 undocumented", api: specs.Oracle, status: 502,
			want: []want{errAt(contract.RuleStatusUndocumented, "status")}},
		{name: "oracle text/plain content type", api: specs.Oracle, header: http.Header{"Content-Type": {"text/plain"}}, body: oracle,
			want: []want{errAt(contract.RuleContentType, "header/Content-Type")}},
		{name: "oracle missing content type", api: specs.Oracle, header: http.Header{}, body: oracle,
			want: []want{errAt(contract.RuleContentType, "header/Content-Type")}},
	}
	require.GreaterOrEqual(t, len(cases), 40)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := v.Validate(contract.Exchange{API: tc.api, Status: tc.status, Header: tc.header, Request: tc.req, Body: tc.body})
			var got []want
			for _, vi := range rep.Violations {
				got = append(got, want{vi.Severity, vi.Rule, vi.Location})
				assert.NotEmpty(t, vi.Message, "every violation has a message")
				assert.NotContains(t, vi.Message, "\n", "messages are one line")
			}
			if !assert.ElementsMatch(t, tc.want, got) {
				for _, vi := range rep.Violations {
					t.Logf("got %s %s %s: %s", vi.Severity, vi.Location, vi.Rule, vi.Message)
				}
			}
		})
	}
}
