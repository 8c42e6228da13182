package cli_test

import (
	"fmt"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/cli"
	"github.com/taskmock/taskmock/specs"
)

func ExampleRenderText() {
	results := []cli.Result{
		{Source: "tasks/ok.json", Report: contract.Report{API: specs.Esri}},
		{Source: "tasks/t1.json", Report: contract.Report{API: specs.Esri, Violations: []contract.Violation{{
			Severity: contract.SeverityError,
			Rule:     contract.RuleEsriStatusPair,
			Location: "/task/statusCode",
			Message:  `statusCode 3 does not match status "new" (expected 0)`,
		}}}},
	}
	fmt.Print(string(cli.RenderText(results, cli.ReportOptions{})))
	// Output:
	// tasks/t1.json: error /task/statusCode esri-status-pair: statusCode 3 does not match status "new" (expected 0)
	// checked 2 responses: 1 passed, 1 failed (1 error, 0 warnings)
}

func ExampleRenderJSON() {
	results := []cli.Result{{Source: "task.json", Report: contract.Report{API: specs.Oracle, Status: 200}}}
	out, err := cli.RenderJSON(results, cli.ReportOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// {
	//   "summary": {
	//     "checked": 1,
	//     "passed": 1,
	//     "errors": 0,
	//     "warnings": 0
	//   },
	//   "results": [
	//     {
	//       "source": "task.json",
	//       "api": "oracle",
	//       "status": 200,
	//       "violations": []
	//     }
	//   ]
	// }
}
