package contract_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// TestTaskIdentity: a body that is not a task of the operation fails, and
// when the request is known, so does a task other than the one asked for.
func TestTaskIdentity(t *testing.T) {
	esriSeed := string(seedBody(t, "esri-getTask-example.json"))
	oracleSeed := string(seedBody(t, "oracle-get-task-example.json"))
	const (
		seedOp  = "F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"
		seedID  = "1f15bc3a-5948-11ef-873e-0242ac15001b"
		esriURL = "https://gis.example.com/arcgis/rest/services/Prod/TopographicProductionServer/workflows/tasks/getTask"
		oraURL  = "https://opa.example.com/process/api/v1/tasks/"
	)
	require.Contains(t, esriSeed, `"taskOperationId": "`+seedOp+`"`)
	require.Contains(t, oracleSeed, `"id": "`+seedID+`"`)
	esriGet := func(op string) *contract.Request {
		return &contract.Request{Method: "GET", URL: esriURL + "?f=json&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=" + op}
	}
	esriPost := func(op string) *contract.Request {
		return &contract.Request{Method: "POST", URL: esriURL, Form: map[string][]string{"f": {"json"}, "taskOperationId": {op}}}
	}
	oracleGet := func(id string) *contract.Request { return &contract.Request{Method: "GET", URL: oraURL + id} }
	swap := func(body, old, new string) []byte {
		require.Contains(t, body, old)
		return []byte(strings.Replace(body, old, new, 1))
	}

	tests := []struct {
		name string
		api  specs.Name
		req  *contract.Request
		body []byte
		rule contract.Rule // the one error expected, "" for none
		loc  string
		msg  string // a part of its message
	}{
		{name: "oracle seed, no request", api: specs.Oracle, body: []byte(oracleSeed)},
		{name: "oracle seed, asked for", api: specs.Oracle, req: oracleGet(seedID), body: []byte(oracleSeed)},
		{name: "oracle seed, asked with a trailing slash and a query", api: specs.Oracle, req: oracleGet(seedID + "/?totalResultsGrouped=true"), body: []byte(oracleSeed)},
		{name: "oracle escaped id in the path", api: specs.Oracle, req: oracleGet("a%20b"), body: swap(oracleSeed, `"id": "`+seedID+`"`, `"id": "a b"`)},
		{name: "oracle empty object", api: specs.Oracle, body: []byte(`{}`),
			rule: contract.RuleTaskIdentity, loc: "/id", msg: `expected the task's id, found none`},
		{name: "oracle empty id", api: specs.Oracle, body: swap(oracleSeed, `"id": "`+seedID+`"`, `"id": " "`),
			rule: contract.RuleTaskIdentity, loc: "/id", msg: `found " "`},
		{name: "oracle id of the wrong type is the schema's", api: specs.Oracle, body: swap(oracleSeed, `"id": "`+seedID+`"`, `"id": 7`),
			rule: contract.RuleSchemaType, loc: "/id"},
		{name: "oracle another task", api: specs.Oracle, req: oracleGet("42"), body: []byte(oracleSeed),
			rule: contract.RuleTaskMismatch, loc: "/id", msg: `expected the task asked for, id "42", found "` + seedID + `"`},
		{name: "oracle ids differ in case", api: specs.Oracle, req: oracleGet(strings.ToUpper(seedID)), body: []byte(oracleSeed),
			rule: contract.RuleTaskMismatch, loc: "/id"},
		{name: "oracle long ids are clipped", api: specs.Oracle, req: oracleGet(strings.Repeat("9", 500)), body: []byte(oracleSeed),
			rule: contract.RuleTaskMismatch, loc: "/id", msg: strings.Repeat("9", 60) + `…"`},
		{name: "oracle request of another path is not compared", api: specs.Oracle, req: &contract.Request{Method: "GET", URL: "https://h/other"}, body: []byte(oracleSeed)},

		{name: "esri seed, no request", api: specs.Esri, body: []byte(esriSeed)},
		{name: "esri seed, asked for", api: specs.Esri, req: esriGet(seedOp), body: []byte(esriSeed)},
		{name: "esri lower case and braces", api: specs.Esri, req: esriGet("{" + strings.ToLower(seedOp) + "}"), body: []byte(esriSeed)},
		{name: "esri form POST, asked for", api: specs.Esri, req: esriPost(seedOp), body: []byte(esriSeed)},
		{name: "esri no taskOperationId asked", api: specs.Esri, req: esriGet(""), body: []byte(esriSeed)},
		{name: "esri another task", api: specs.Esri, req: esriGet("E2A45BF8-55ED-4311-9574-48E17C734918"), body: []byte(esriSeed),
			rule: contract.RuleTaskMismatch, loc: "/task/taskOperationId",
			msg: `expected the task asked for, taskOperationId "E2A45BF8-55ED-4311-9574-48E17C734918", found "` + seedOp + `"`},
		{name: "esri another task, form POST", api: specs.Esri, req: esriPost("E2A45BF8-55ED-4311-9574-48E17C734918"), body: []byte(esriSeed),
			rule: contract.RuleTaskMismatch, loc: "/task/taskOperationId"},
		{name: "esri empty taskOperationId", api: specs.Esri, body: swap(esriSeed, `"taskOperationId": "`+seedOp+`"`, `"taskOperationId": ""`),
			rule: contract.RuleTaskIdentity, loc: "/task/taskOperationId", msg: `found "": the body names no task`},
		{name: "esri missing taskOperationId is the schema's", api: specs.Esri, body: swap(esriSeed, `"taskOperationId": "`+seedOp+`",`, ``),
			rule: contract.RuleSchemaRequired, loc: "/task/taskOperationId"},
	}
	v := newValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := v.Validate(contract.Exchange{API: tt.api, Status: 200, Request: tt.req,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: tt.body})
			var errs []contract.Violation
			for _, vi := range rep.Violations {
				if vi.Severity == contract.SeverityError {
					errs = append(errs, vi)
				}
			}
			if tt.rule == "" {
				assert.Empty(t, errs, "%+v", rep.Violations)
				return
			}
			require.Len(t, errs, 1, "%+v", rep.Violations)
			assert.Equal(t, tt.rule, errs[0].Rule)
			assert.Equal(t, tt.loc, errs[0].Location)
			assert.Contains(t, errs[0].Message, tt.msg)
		})
	}
}

// TestBodyTooDeep: a body nested deeper than jsonlimit allows is one error,
// whatever the operation and the status, and nothing recurses into it.
func TestBodyTooDeep(t *testing.T) {
	deep := func(n int) []byte {
		return []byte(`{"id":"1","x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	}
	tests := []struct {
		name   string
		api    specs.Name
		status int
		body   []byte
		rule   contract.Rule
	}{
		{"oracle 10,000 levels", specs.Oracle, 200, deep(10000), contract.RuleBodyTooDeep},
		{"oracle 1,000,000 levels, unclosed", specs.Oracle, 200, []byte(strings.Repeat("[", 1_000_000)), contract.RuleBodyTooDeep},
		{"oracle error body", specs.Oracle, 404, deep(5000), contract.RuleBodyTooDeep},
		{"esri 10,000 levels", specs.Esri, 200, []byte(`{"task":` + strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000) + `,"success":true}`), contract.RuleBodyTooDeep},
		{"within the limit is walked", specs.Oracle, 200, deep(100), contract.RuleUnknownField},
	}
	v := newValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := v.Validate(contract.Exchange{API: tt.api, Status: tt.status, Body: tt.body})
			var rules []contract.Rule
			for _, vi := range rep.Violations {
				if vi.Rule != contract.RuleErrorResponse {
					rules = append(rules, vi.Rule)
				}
			}
			assert.Equal(t, []contract.Rule{tt.rule}, rules, "%+v", rep.Violations)
			if tt.rule == contract.RuleBodyTooDeep {
				assert.Contains(t, rep.Violations[0].Message, "nested deeper than 128 levels")
				assert.Equal(t, contract.SeverityError, rep.Violations[0].Severity)
			}
		})
	}
}
