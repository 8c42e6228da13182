package contract_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// TestConformingExchanges covers the ways a conforming answer may look: the
// content types, formats and request shapes the vendors use.
func TestConformingExchanges(t *testing.T) {
	v := newValidator(t)
	esri := seedBody(t, "esri-getTask-example.json")
	oracle := seedBody(t, "oracle-get-task-example.json")
	const esriURL = "https://gis.example.com/arcgis/rest/services/Prod/MapServer/exts/TopographicProductionServer/workflows/tasks/getTask"
	hdr := func(ct string) http.Header { return http.Header{"Content-Type": {ct}} }

	cases := []struct {
		name string
		ex   contract.Exchange
	}{
		{"esri f=json application/json", contract.Exchange{API: specs.Esri, Status: 200, Header: hdr("application/json; charset=utf-8"),
			Request: &contract.Request{Method: "GET", URL: esriURL + "?f=json"}, Body: esri}},
		{"esri f=pjson text/plain", contract.Exchange{API: specs.Esri, Status: 200, Header: hdr("text/plain;charset=utf-8"),
			Request: &contract.Request{Method: "GET", URL: esriURL + "?f=pjson"}, Body: esri}},
		{"esri form POST f=json", contract.Exchange{API: specs.Esri, Status: 200, Header: hdr("application/json"),
			Request: &contract.Request{Method: "POST", URL: esriURL, Form: map[string][]string{"f": {"json"}, "token": {"secret"}}}, Body: esri}},
		{"esri JSONP", contract.Exchange{API: specs.Esri, Status: 200, Header: hdr("application/javascript; charset=UTF-8"),
			Request: &contract.Request{Method: "GET", URL: esriURL + "?f=json&callback=dojo_request_script_callbacks.dojo_request_script0"},
			Body:    []byte(fmt.Sprintf("dojo_request_script_callbacks.dojo_request_script0(%s);", esri))}},
		{"esri f=html page", contract.Exchange{API: specs.Esri, Status: 200, Header: hdr("text/html; charset=utf-8"),
			Request: &contract.Request{Method: "GET", URL: esriURL}, Body: []byte("<html><body>Task</body></html>")}},
		{"esri HTML without a recorded request", contract.Exchange{API: specs.Esri, Status: 200, Header: hdr("text/html"), Body: []byte("<html></html>")}},
		{"esri bare body", contract.Exchange{API: specs.Esri, Body: esri}},
		{"esri GUIDs in lower case with braces", contract.Exchange{API: specs.Esri, Body: []byte(`{"task":{"taskWorkId":"{e2a45bf8-55ed-4311-9574-48e17c734918}","taskOperationId":"f6208ad7-d10c-4e1c-ab8a-6ca429ad559c","workflowJobId":"1042","statusCode":2,"status":"InProgress","startOn":"2025-09-26T23:13:17Z","endOn":"2025-09-30T23:13:17Z","startedOn":"2025-09-27T08:00:00Z","endedOn":"","duration":3.5,"levelOfEffort":24,"assignTo":"jdoe","isRework":true,"taskOrder":2},"success":true}`)}},
		{"oracle application/json", contract.Exchange{API: specs.Oracle, Status: 200, Header: hdr("application/json"),
			Request: &contract.Request{Method: "GET", URL: "https://opa.example.com/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b"}, Body: oracle}},
		{"oracle dates without zone and with +0000", contract.Exchange{API: specs.Oracle, Body: []byte(`{"id":"t1","state":"ASSIGNED","substate":"CLAIMED","createdDate":"2024-08-13T07:46:16Z","assignedDate":"2024-08-13T07:46:17.5+0000","lastUpdatedDate":"2024-08-13T07:50:00.000+00:00","expirationDate":"2024-08-20T07:46:16","reason":{"action":"CLAIM","date":"2024-08-13T07:50:00+0000"}}`)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := v.Validate(tc.ex)
			assert.Empty(t, rep.Violations)
		})
	}
}

func TestStrictMakesUnknownPropertiesErrors(t *testing.T) {
	body := []byte(`{"task":{"taskWorkId":"E2A45BF8-55ED-4311-9574-48E17C734918","taskOperationId":"F6208AD7-D10C-4E1C-AB8A-6CA429AD559C","workflowJobId":"","statusCode":0,"status":"new","startOn":"","endOn":"","startedOn":"","endedOn":"","duration":0,"levelOfEffort":1,"assignTo":"","isRework":false,"taskOrder":1,"notes":"x"},"success":true}`)
	for _, tc := range []struct {
		strict bool
		sev    contract.Severity
		passed bool
	}{{false, contract.SeverityWarning, true}, {true, contract.SeverityError, false}} {
		rep := newValidator(t, contract.Strict(tc.strict)).Validate(contract.Exchange{API: specs.Esri, Body: body})
		if assert.Len(t, rep.Violations, 1) {
			assert.Equal(t, contract.RuleUnknownField, rep.Violations[0].Rule)
			assert.Equal(t, "/task/notes", rep.Violations[0].Location)
			assert.Equal(t, tc.sev, rep.Violations[0].Severity)
		}
		assert.Equal(t, tc.passed, rep.Passed(false))
	}
}

func TestUnknownAPI(t *testing.T) {
	rep := newValidator(t).Validate(contract.Exchange{API: "jira", Body: []byte(`{}`)})
	if assert.Len(t, rep.Violations, 1) {
		assert.Equal(t, contract.RuleUnknownAPI, rep.Violations[0].Rule)
	}
}

func TestMessagesNeverEchoCredentials(t *testing.T) {
	const secret = "s3cr3t-T0KEN-value"
	v := newValidator(t)
	exchanges := []contract.Exchange{
		{API: specs.Esri, Status: 200, Header: http.Header{"Content-Type": {"text/html"}},
			Request: &contract.Request{Method: "GET", URL: "https://x/TopographicProductionServer/workflows/tasks/getTask?f=json&token=" + secret,
				Header: http.Header{"X-Esri-Authorization": {"Bearer " + secret}}}, Body: []byte("{}")},
		{API: specs.Esri, Status: 200, Header: http.Header{"Content-Type": {"text/javascript"}},
			Request: &contract.Request{Method: "GET", URL: "https://x/TopographicProductionServer/workflows/tasks/getTask?f=json&callback=" + secret + "%3Calert%3E"}, Body: []byte("{}")},
		{API: specs.Oracle, Status: 401, Header: http.Header{"Content-Type": {"text/plain"}},
			Request: &contract.Request{Method: "GET", URL: "https://x/process/api/v1/tasks/1", Header: http.Header{"Authorization": {"Bearer " + secret}}}, Body: []byte("nope")},
	}
	for _, ex := range exchanges {
		for _, vi := range v.Validate(ex).Violations {
			assert.NotContains(t, vi.Message, secret)
		}
	}
}

// TestValidatorHidesEchoedCredentials gives responses that echo a
// credential of their request (or of the caller) in the forms a server
// writes it: no violation may quote it, in any form, whole or cut short.
func TestValidatorHidesEchoedCredentials(t *testing.T) {
	const secret = "abc/def+ghi=jkl-0123456789"
	jsonSlash := strings.ReplaceAll(secret, "/", `\/`)
	lowerPct := strings.ToLower(url.QueryEscape(secret))
	esriURL := "https://x/TopographicProductionServer/workflows/tasks/getTask"
	oracleURL := "https://x/process/api/v1/tasks/1"
	esriError := func(msg string) []byte {
		return []byte(`{"error":{"code":498,"message":"` + msg + `","details":[]}}`)
	}
	oracleTask := func(state string) []byte {
		var task map[string]any
		require.NoError(t, json.Unmarshal(seedBody(t, "oracle-get-task-example.json"), &task))
		task["state"] = state
		b, err := json.Marshal(task)
		require.NoError(t, err)
		return b
	}
	jsonHdr := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name string
		ex   contract.Exchange
	}{
		{"bearer echoed JSON-escaped in an Oracle 401", contract.Exchange{API: specs.Oracle, Status: 401, Header: jsonHdr,
			Request: &contract.Request{Method: "GET", URL: oracleURL, Header: http.Header{"Authorization": {"Bearer " + secret}}},
			Body:    []byte(`{"title":"Unauthorized","detail":"token ` + jsonSlash + ` expired"}`)}},
		{"query token echoed percent-encoded, lower-case hex", contract.Exchange{API: specs.Esri, Status: 200, Header: jsonHdr,
			Request: &contract.Request{Method: "GET", URL: esriURL + "?f=json&token=" + url.QueryEscape(secret)},
			Body:    esriError("Invalid token " + lowerPct)}},
		{"form token echoed \\u-escaped", contract.Exchange{API: specs.Esri, Status: 200, Header: jsonHdr,
			Request: &contract.Request{Method: "POST", URL: esriURL, Form: map[string][]string{"f": {"json"}, "token": {secret}}},
			Body:    esriError("Invalid token " + strings.ReplaceAll(jsonSlash, "+", `\u002B`))}},
		{"token cut by the message's length limit", contract.Exchange{API: specs.Esri, Status: 200, Header: jsonHdr,
			Request: &contract.Request{Method: "GET", URL: esriURL + "?f=json&api_key=" + url.QueryEscape(secret)},
			Body:    esriError(strings.Repeat("x", 190) + secret)}},
		{"cookie value quoted by a schema message", contract.Exchange{API: specs.Oracle, Status: 200, Header: jsonHdr,
			Request: &contract.Request{Method: "GET", URL: oracleURL, Header: http.Header{"Cookie": {"theme=dark; SESSION=" + secret}}},
			Body:    oracleTask(secret)}},
		{"basic password", contract.Exchange{API: specs.Oracle, Status: 200, Header: jsonHdr,
			Request: &contract.Request{Method: "GET", URL: oracleURL,
				Header: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+secret))}}},
			Body: oracleTask(secret)}},
		{"user-info password", contract.Exchange{API: specs.Oracle, Status: 200, Header: jsonHdr,
			Request: &contract.Request{Method: "GET", URL: "https://alice:" + url.QueryEscape(secret) + "@x/process/api/v1/tasks/1"},
			Body:    oracleTask(secret)}},
		{"set-cookie of the response", contract.Exchange{API: specs.Oracle, Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"SESSION=" + secret + "; Path=/; HttpOnly"}},
			Body:   oracleTask(secret)}},
		{"a secret of the caller", contract.Exchange{API: specs.Oracle, Status: 200, Header: jsonHdr,
			Secrets: secrets.New(secret), Body: oracleTask(secret)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := newValidator(t).Validate(tc.ex)
			require.NotEmpty(t, rep.Violations)
			var all strings.Builder
			for _, vi := range rep.Violations {
				all.WriteString(vi.Location + " " + vi.Message + "\n")
			}
			text := all.String()
			assert.Contains(t, text, secrets.Redacted, "the echo is reported, hidden")
			for _, form := range []string{secret, jsonSlash, lowerPct, url.QueryEscape(secret), secret[:8], secret[len(secret)-8:]} {
				assert.NotContains(t, text, form)
			}
		})
	}
}

func TestUnsafeCallbackIsAnsweredAsPlainJSON(t *testing.T) {
	rep := newValidator(t).Validate(contract.Exchange{API: specs.Esri, Status: 200,
		Header:  http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Request: &contract.Request{Method: "GET", URL: "https://h/TopographicProductionServer/workflows/tasks/getTask?f=json&callback=alert(1)//"},
		Body:    []byte(`{"error":{"code":400,"message":"Invalid callback","details":[]}}`)})
	if assert.Len(t, rep.Violations, 1) {
		assert.Equal(t, contract.RuleErrorResponse, rep.Violations[0].Rule)
	}
}
