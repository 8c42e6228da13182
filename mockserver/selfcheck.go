package mockserver

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// WithSelfCheck makes the server validate each of its answers of the two
// APIs under the contract, as it sends it, and log every violation at
// level Warn with the message "self-check" (there must never be one).
// Deliberate errors are vendor errors, so the error-response rule is not
// logged; the mock's own answers (a control it cannot honour, a method not
// allowed, a body too large) are not checked. The contract's schemas are
// compiled on the first answer checked, not when New runs, so that the
// server starts at once.
func WithSelfCheck() Option {
	return func(s *Server) { s.selfCheck = true }
}

// checkedAPI returns the API whose contract an answer must keep, from the
// name of the response chosen and its status.
func checkedAPI(response string, status int) (specs.Name, bool) {
	api, rest, _ := strings.Cut(response, ".")
	switch {
	case api != string(specs.Esri) && api != string(specs.Oracle):
		return "", false
	case rest == "405", rest == "control", rest == "canceled", strings.HasPrefix(rest, "mock."), status == http.StatusRequestEntityTooLarge:
		return "", false
	}
	return specs.Name(api), true
}

// check validates one answer, logs its violations and returns them.
func (s *Server) check(ctx context.Context, r *http.Request, rec *recorder, response string) []contract.Violation {
	api, ok := checkedAPI(response, rec.status)
	if !ok {
		return nil
	}
	req := &contract.Request{Method: r.Method, URL: r.URL.String(), Header: r.Header}
	if api == specs.Esri {
		// The parameters as the mock read them: query and form, without a
		// callback name it refused (the answer is then plain JSON).
		params := r.URL.Query()
		for k, vs := range r.PostForm {
			params[k] = vs
		}
		if !callbackName.MatchString(params.Get("callback")) {
			params.Del("callback")
		}
		req.URL, req.Form = r.URL.Path, params
	}
	validator, err := contractValidator()
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "self-check", slog.String("error", err.Error()))
		return nil
	}
	rep := validator.Validate(contract.Exchange{API: api, Request: req, Status: rec.status, Header: rec.Header(), Body: rec.body.Bytes()})
	var found []contract.Violation
	for _, v := range rep.Violations {
		if v.Rule == contract.RuleErrorResponse {
			continue
		}
		found = append(found, v)
		s.log.LogAttrs(ctx, slog.LevelWarn, "self-check",
			slog.String("method", r.Method),
			slog.String("path", loggedPath(r)),
			slog.String("response", response),
			slog.String("severity", string(v.Severity)),
			slog.String("rule", string(v.Rule)),
			slog.String("location", v.Location),
			slog.String("violation", v.Message),
		)
	}
	return found
}
