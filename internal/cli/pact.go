package cli

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/reqcheck"
	"github.com/taskmock/taskmock/specs"

	"github.com/taskmock/taskmock/internal/textutil"
)

// requestChecker checks expected requests (Pact interactions) against the
// documents, as the mock checks the requests it gets.
var requestChecker = sync.OnceValues(func() (*reqcheck.Checker, error) { return reqcheck.New() })

// requestViolations returns the problems of ex's request, an expectation,
// against its operation, as request-invalid violations.
func requestViolations(ex contract.Exchange) []contract.Violation {
	rq := ex.Request
	if rq == nil {
		return nil
	}
	checker, err := requestChecker()
	if err != nil {
		return []contract.Violation{{API: ex.API, Severity: contract.SeverityError, Rule: contract.RuleRequestInvalid, Location: "request", Message: "cannot be checked: " + err.Error()}}
	}
	var body io.Reader = http.NoBody
	if len(rq.Body) > 0 {
		body = bytes.NewReader(rq.Body)
	}
	target := rq.URL
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		target = "http://provider.invalid" + target
	}
	req, err := http.NewRequest(rq.Method, target, body)
	if err != nil {
		return []contract.Violation{{API: ex.API, Severity: contract.SeverityError, Rule: contract.RuleRequestInvalid, Location: "request", Message: "not a request: " + textutil.OneLine(err.Error())}}
	}
	for k, vs := range rq.Header {
		req.Header[k] = vs
	}
	op := ex.Operation
	if op == "" {
		op = specs.OpGetTask
	}
	var out []contract.Violation
	for _, p := range checker.Check(ex.API, op, req) {
		out = append(out, contract.Violation{API: ex.API, Severity: contract.SeverityError, Rule: contract.RuleRequestInvalid,
			Location: "request/" + p.Field, Message: p.Message})
	}
	return out
}
