package contract_test

import (
	"fmt"
	"net/http"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// A response recorded from an Oracle server, checked field by field.
func ExampleValidator_Validate() {
	v, err := contract.New()
	if err != nil {
		panic(err)
	}
	rep := v.Validate(contract.Exchange{
		API:    specs.Oracle,
		Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"id":"42","state":"completed","priority":2,"links":[{"rel":"self","href":"https://opa.example.com/process/api/v1/tasks/42"}]}`),
	})
	for _, vi := range rep.Violations {
		fmt.Printf("%s %s %s: %s\n", vi.Severity, vi.Location, vi.Rule, vi.Message)
	}
	fmt.Println("passed:", rep.Passed(false))
	// Output:
	// error /state schema-enum: expected one of "ASSIGNED", "UNASSIGNED", "WITHDRAWN", "COMPLETED", "DELEGATED", "FAULTED", found string "completed" (wrong letter case: the documented value is "COMPLETED")
	// passed: false
}

// An ArcGIS error envelope answered with HTTP 200 fails loudly, with the
// server's code and message.
func ExampleValidator_Validate_esriError() {
	v, err := contract.New()
	if err != nil {
		panic(err)
	}
	rep := v.Validate(contract.Exchange{
		API:  specs.Esri,
		Body: []byte(`{"error":{"code":498,"message":"Invalid token.","details":[]}}`),
	})
	for _, vi := range rep.Violations {
		fmt.Printf("%s %s %s: %s\n", vi.Severity, vi.Location, vi.Rule, vi.Message)
	}
	// Output:
	// error /error error-response: expected a task, found an error envelope: the server answered with an ArcGIS error 498: Invalid token.
}
