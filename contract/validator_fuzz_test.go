package contract_test

import (
	"net/http"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// FuzzValidate: any bytes, status and content type give a report, never a
// panic, every violation names a rule, a location and a message, and no
// message quotes the value of a credential parameter of the query.
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
	f.Add(false, 200, "application/json", "f=json&token=abc%2Fdef", []byte(`{"error":{"code":498,"message":"Invalid token abc\/def","details":[]}}`))
	f.Add(true, 200, "application/json", "access_token=s3cr3t", []byte(`{"id":"s3cr3t","state":"s\u00333cr3t"}`))
	// Deeper than jsonlimit allows: one body-too-deep, never a deep walk.
	f.Add(true, 200, "application/json", "", []byte(`{"id":"x","a":`+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`}`))
	f.Add(false, 200, "application/json", "f=json", []byte(`{"task":`+strings.Repeat(`{"a":`, 300)+`1`+strings.Repeat("}", 300)+`,"success":true}`))
	f.Add(true, 404, "application/json", "", []byte(strings.Repeat("[", 129)))
	f.Fuzz(func(t *testing.T, isOracle bool, status int, contentType, query string, body []byte) {
		api := specs.Esri
		url := "https://h/TopographicProductionServer/workflows/tasks/getTask?" + query
		if isOracle {
			api, url = specs.Oracle, "https://h/process/api/v1/tasks/x?"+query
		}
		rep := v.Validate(contract.Exchange{API: api, Status: status, Body: body,
			Header:  http.Header{"Content-Type": {contentType}},
			Request: &contract.Request{Method: "GET", URL: url}})
		var creds []string
		if q, err := neturl.ParseQuery(query); err == nil {
			for name, vs := range q {
				for _, v := range vs {
					if v = strings.TrimSpace(v); secrets.IsParam(name) && len(v) >= secrets.MinLen {
						creds = append(creds, v)
					}
				}
			}
		}
		for _, vi := range rep.Violations {
			if vi.Rule == "" || vi.Location == "" || vi.Message == "" || (vi.Severity != contract.SeverityError && vi.Severity != contract.SeverityWarning) {
				t.Fatalf("incomplete violation %+v", vi)
			}
			for _, piece := range strings.Split(vi.Message, secrets.Redacted) {
				for _, c := range creds {
					if strings.Contains(piece, c) {
						t.Fatalf("message %q quotes the credential %q", vi.Message, c)
					}
				}
			}
		}
	})
}
