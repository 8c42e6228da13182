package report_test

import (
	"fmt"
	"os"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/specs"
)

func ExampleRenderText() {
	results := []report.Result{
		{Source: "tasks/ok.json", Report: contract.Report{API: specs.Esri}},
		{Source: "tasks/t1.json", Report: contract.Report{API: specs.Esri, Violations: []contract.Violation{{
			Severity: contract.SeverityError,
			Rule:     contract.RuleEsriStatusPair,
			Location: "/task/statusCode",
			Message:  `statusCode 3 does not match status "new" (expected 0)`,
		}}}},
	}
	fmt.Print(string(report.RenderText(results, report.Options{})))
	// Output:
	// tasks/t1.json: error /task/statusCode esri-status-pair: statusCode 3 does not match status "new" (expected 0)
	// checked 2 responses: 1 passed, 1 failed (1 error, 0 warnings)
}

func ExampleRenderJSON() {
	results := []report.Result{{Source: "task.json", Report: contract.Report{API: specs.Oracle, Status: 200}}}
	out, err := report.RenderJSON(results, report.Options{})
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

// A Writer renders results as they come, here as GitHub Actions
// annotations at the line of each offending value.
func ExampleWriter() {
	w, err := report.NewWriter(os.Stdout, report.FormatGitHub, report.Options{})
	if err != nil {
		panic(err)
	}
	defer w.Remove()
	for _, r := range []report.Result{
		{Source: "tasks/ok.json", File: "tasks/ok.json", Report: contract.Report{API: specs.Oracle}},
		{Source: "tasks/bad.json", File: "tasks/bad.json", Lines: []int{12}, Report: contract.Report{API: specs.Oracle, Violations: []contract.Violation{{
			Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/state",
			Message: `expected one of "ASSIGNED", "COMPLETED", found string "DONE"`,
		}}}},
	} {
		if err := w.Add(r); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	fmt.Println(w.Summary().Failed(), "failed")
	// Output:
	// ::error file=tasks/bad.json,line=12,title=schema-enum::tasks/bad.json /state: expected one of "ASSIGNED", "COMPLETED", found string "DONE"
	// taskmock validate: checked 2 responses: 1 passed, 1 failed (1 error, 0 warnings)
	// 1 failed
}
