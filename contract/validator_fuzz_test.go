package contract_test

import (
	"net/http"
	"testing"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// FuzzValidate: any bytes, status and content type give a report, never a
// panic, and every violation names a rule, a location and a message.
func FuzzValidate(f *testing.F) {
	v, err := contract.New()
	if err != nil {
		f.Fatal(err)
	}
	esri, oracle := seedBody(f, "esri-getTask-example.json"), seedBody(f, "oracle-get-task-example.json")
	f.Add(false, 200, "application/json", "", esri)
	f.Add(true, 200, "application/json", "", oracle)
	f.Add(true, 404, "application/json", "", []byte(`{"title":"Task not found for given ID"}`))
	f.Add(false, 200, "application/javascript", "f=json&callback=cb", []byte(`cb({"task":{}});`))
	f.Add(false, 200, "text/plain", "f=pjson", []byte(`{"error":{"code":-2147211775,"details":[1]},"success":false}`))
	f.Add(true, 200, "", "", []byte(`{"state":"ASSIGNED","substate":"EXPIRED","reason":{"action":"CLAIM"},"links":[{"rel":"self","href":"%%"}],"id":"x"}`))
	f.Fuzz(func(t *testing.T, isOracle bool, status int, contentType, query string, body []byte) {
		api := specs.Esri
		url := "https://h/TopographicProductionServer/workflows/tasks/getTask?" + query
		if isOracle {
			api, url = specs.Oracle, "https://h/process/api/v1/tasks/x?"+query
		}
		rep := v.Validate(contract.Exchange{API: api, Status: status, Body: body,
			Header:  http.Header{"Content-Type": {contentType}},
			Request: &contract.Request{Method: "GET", URL: url}})
		for _, vi := range rep.Violations {
			if vi.Rule == "" || vi.Location == "" || vi.Message == "" || (vi.Severity != contract.SeverityError && vi.Severity != contract.SeverityWarning) {
				t.Fatalf("incomplete violation %+v", vi)
			}
		}
	})
}
