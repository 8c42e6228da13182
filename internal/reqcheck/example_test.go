package reqcheck_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/taskmock/taskmock/internal/reqcheck"
	"github.com/taskmock/taskmock/specs"
)

// A mock handler checks a request before it serves it: the problems name
// the field, and the body still reads whole afterwards.
func ExampleChecker_Check() {
	c, err := reqcheck.New()
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest("POST", "/arcgis/rest/services/Prod/TopographicProductionServer/workflows/tasks/updateTask",
		strings.NewReader("f=json&taskGroupJobId=A&taskOperationId=B&status=7&token=secret"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	route, _ := specs.Match(r.Method, r.URL.Path)
	for _, p := range c.Check(route.API, route.Operation.ID, r) {
		fmt.Println(p)
	}
	body, _ := io.ReadAll(r.Body)
	fmt.Println(len(body), "bytes left for the handler")

	r = httptest.NewRequest("POST", "/process/api/v1/tasks/42/reassign", strings.NewReader(`{"identities": [{"id": "u1", "type": "user"}]}`))
	r.Header.Set("Content-Type", "application/json")
	fmt.Println(c.Check(specs.Oracle, specs.OpReassignTask, r))
	// Output:
	// status: expected one of 0, 1, 2, 3, 4, 5, found another value
	// 63 bytes left for the handler
	// [body.identities[0].type: expected one of USER, GROUP, ROLE, found another value]
}
