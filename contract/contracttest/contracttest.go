// Package contracttest checks, inside Go tests, the responses of the two
// task APIs that a client under test receives: wrap the client's
// transport with NewTransport, or check one response with AssertResponse.
// Every response of a documented operation (see specs.Match) is validated
// under the contract; each error fails the test with tb.Errorf naming the
// request, the rule, the location and the message, each warning is logged
// with tb.Logf (or fails the test under contract.Strict(true)). Other
// traffic passes untouched, and the bodies reach the caller whole.
//
// No message quotes a credential: the request's URL is redacted, and the
// validator hides the exchange's credentials before it reads the body.
package contracttest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/taskmock/taskmock/contract"
)

// maxBody is the most of a response body read for validation: a larger
// body fails the test, and still reaches the caller whole.
const maxBody = contract.DefaultMaxBody

// NewTransport returns a RoundTripper that sends each request with base
// (http.DefaultTransport when nil) and validates the responses of the
// documented operations, reporting to tb.
func NewTransport(tb testing.TB, base http.RoundTripper, opts ...contract.Option) http.RoundTripper {
	tb.Helper()
	if base == nil {
		base = http.DefaultTransport
	}
	v, err := contract.New(opts...)
	if err != nil {
		tb.Fatalf("contracttest: %v", err)
	}
	return &transport{tb: tb, base: base, v: v}
}

type transport struct {
	tb   testing.TB
	base http.RoundTripper
	v    *contract.Validator
	mu   sync.Mutex // testing.TB is safe for concurrent use; this orders a response's lines
}

// RoundTrip sends req and validates its response.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := requestBody(req)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if _, ok := contract.APIForRequest(req.Method, req.URL.String()); !ok {
		return resp, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	check(t.tb, t.v, req, sent, resp)
	return resp, nil
}

// AssertResponse validates resp, a response of a documented operation (its
// Request says which), reporting to tb, and returns the report. The body
// is read and put back, so that the caller can still read it.
func AssertResponse(tb testing.TB, resp *http.Response, opts ...contract.Option) contract.Report {
	tb.Helper()
	v, err := contract.New(opts...)
	if err != nil {
		tb.Fatalf("contracttest: %v", err)
	}
	if resp.Request == nil {
		tb.Errorf("contracttest: the response has no Request: the operation cannot be told")
		return contract.Report{}
	}
	return check(tb, v, resp.Request, requestBody(resp.Request), resp)
}

// check validates resp to req and reports to tb.
func check(tb testing.TB, v *contract.Validator, req *http.Request, sent sentBody, resp *http.Response) contract.Report {
	tb.Helper()
	api, ok := contract.APIForRequest(req.Method, req.URL.String())
	creq := &contract.Request{Method: req.Method, URL: req.URL.String(), Header: req.Header, Form: sent.form, Body: sent.body}
	name := req.Method + " " + creq.Secrets().RedactURL(req.URL.String())
	if !ok {
		tb.Errorf("contracttest: %s: not an operation of the two task APIs", name)
		return contract.Report{}
	}
	body, err := readBack(resp)
	if err != nil {
		tb.Errorf("contracttest: %s: %v", name, err)
		return contract.Report{}
	}
	rep := v.Validate(contract.Exchange{
		API:     api,
		Request: creq,
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Body:    body,
	})
	for _, vi := range rep.Violations {
		line := fmt.Sprintf("%s: %s %s %s: %s", name, vi.Severity, vi.Rule, vi.Location, vi.Message)
		if vi.Severity == contract.SeverityError || v.Strict() {
			tb.Errorf("%s", line)
		} else {
			tb.Logf("%s", line)
		}
	}
	return rep
}

// readBack reads resp's body, at most maxBody of it, and puts it back.
func readBack(resp *http.Response) ([]byte, error) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), rest}
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("body larger than %d bytes: not checked", maxBody)
	}
	return b, nil
}

// sentBody is a request body as sent: its bytes, and its fields when it is
// a form.
type sentBody struct {
	body []byte
	form url.Values
}

// requestBody returns the body of a request (an ArcGIS client's form, an
// Oracle reassignment's JSON), read again through GetBody, with the fields
// of a form-encoded one; empty when there is none or it cannot be read
// again. Its credentials are hidden in what the test reports.
func requestBody(req *http.Request) sentBody {
	if req.GetBody == nil {
		return sentBody{}
	}
	rc, err := req.GetBody()
	if err != nil {
		return sentBody{}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return sentBody{}
	}
	out := sentBody{body: b}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		out.form, _ = url.ParseQuery(string(b))
	}
	return out
}
