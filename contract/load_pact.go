package contract

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/specs"
)

// Pact files (specification v2, v3 and v4, told by their
// metadata.pactSpecification) hold a consumer's expectations of a
// provider: each interaction's request, and the response the consumer
// relies on. Each interaction whose request is one of the documented
// operations is read as an exchange: its expected response is checked
// like a recorded one (matcher rules ignored, the example values used),
// and its request is marked to be checked against the operation
// (Item.CheckRequest). Interactions for other endpoints, and v4
// interactions that are not synchronous HTTP, are skipped and counted.
// Each exchange is named "FILE: description".

// pactInteraction is one interaction, in the members of every version.
type pactInteraction struct {
	Type        string       `json:"type"` // v4: "Synchronous/HTTP"
	Description string       `json:"description"`
	Request     pactRequest  `json:"request"`
	Response    pactResponse `json:"response"`
}

type pactRequest struct {
	Method  string                     `json:"method"`
	Path    string                     `json:"path"`
	Query   json.RawMessage            `json:"query"` // v2: a string; v3, v4: name -> values
	Headers map[string]json.RawMessage `json:"headers"`
	Body    json.RawMessage            `json:"body"`
}

type pactResponse struct {
	Status  int                        `json:"status"`
	Headers map[string]json.RawMessage `json:"headers"`
	Body    json.RawMessage            `json:"body"`
}

// pactVersion returns the specification version of a Pact file, "" when
// data is not one.
func pactVersion(data []byte) string {
	var head struct {
		Metadata map[string]json.RawMessage `json:"metadata"`
	}
	if json.Unmarshal(data, &head) != nil || head.Metadata == nil {
		return ""
	}
	for _, k := range []string{"pactSpecification", "pact-specification", "pactSpecificationVersion"} {
		raw, ok := head.Metadata[k]
		if !ok {
			continue
		}
		var v struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(raw, &v) == nil && v.Version != "" {
			return v.Version
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// pact reads the interactions of a Pact file.
func (l *loader) pact(src string, data []byte, version string) error {
	var file struct {
		Interactions []json.RawMessage `json:"interactions"`
	}
	if major, _, _ := strings.Cut(version, "."); !slices.Contains([]string{"1", "2", "3", "4"}, major) {
		return &LoadError{Source: pactPlace(src, data, "/metadata"), Err: fmt.Errorf("a Pact file of specification %q, which taskmock does not read (it reads specifications 1 to 4)", loadClip(version, 40))}
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return &LoadError{Source: pactPlace(src, data, "/interactions"), Err: fmt.Errorf("a Pact file (specification %s) with unreadable interactions: %s", version, pactDecodeError(err))}
	}
	v4 := strings.HasPrefix(version, "4")
	skipped := 0
	defer func() {
		if skipped > 0 && l.opts.OnWarning != nil {
			l.opts.OnWarning(&LoadError{Source: src, Err: fmt.Errorf("%d of %d Pact interactions skipped: not requests of the documented operations", skipped, len(file.Interactions))})
		}
	}()
	for i, raw := range file.Interactions {
		var in pactInteraction
		name := fmt.Sprintf("%s: interaction %d", src, i+1)
		var err error
		if len(raw) == 0 || raw[0] != '{' {
			err = fmt.Errorf("expected an object, found %s", loadClip(string(raw), 40))
		} else {
			err = json.Unmarshal(raw, &in)
		}
		if err != nil {
			if err := l.pactFail(&LoadError{Source: pactWhere(src, data, i, ""), Err: fmt.Errorf("not a Pact interaction: %s", pactDecodeError(err))}); err != nil {
				return err
			}
			continue
		}
		if in.Description != "" {
			name = src + ": " + in.Description
		}
		if v4 && in.Type != "" && in.Type != "Synchronous/HTTP" {
			l.stats.Skipped++
			skipped++
			continue
		}
		ex, err := pactExchange(in, v4)
		if err != nil {
			if err := l.pactFail(&LoadError{Source: pactWhere(src, data, i, in.Description), Err: err}); err != nil {
				return err
			}
			continue
		}
		if ex == nil || (l.opts.API != "" && ex.API != l.opts.API) {
			l.stats.Skipped++ // another endpoint, or another API than asked
			skipped++
			continue
		}
		at := fmt.Sprintf("/interactions/%d/response/body", i)
		if v4 {
			at += "/content"
		}
		if err := l.emit(Item{Source: name, Exchange: *ex, CheckRequest: true, Line: pactLines(data, i, at)}); err != nil {
			return err
		}
	}
	return nil
}

// pactDecodeError says in the Pact file's terms what decoding an
// interaction found wrong: the member's path and the JSON kinds, not Go's
// type names.
func pactDecodeError(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		found, want, _ := jsonlimit.Kinds(err)
		return fmt.Sprintf("%s: expected %s, found %s", te.Field, want, found)
	}
	return loadOneLine(err.Error())
}

// pactPlace is src with the line of the value at the JSON pointer at,
// src alone when it cannot be placed.
func pactPlace(src string, data []byte, at string) string {
	if line, ok := LineOf(data, at); ok {
		return fmt.Sprintf("%s:%d", src, line)
	}
	return src
}

// pactWhere names a bad interaction by the file, the line it starts on as
// written, its number and its description.
func pactWhere(src string, data []byte, i int, description string) string {
	where := pactPlace(src, data, fmt.Sprintf("/interactions/%d", i)) + fmt.Sprintf(": interaction %d", i+1)
	if description != "" {
		where += fmt.Sprintf(" (%s)", description)
	}
	return where
}

// pactLines places the locations of interaction i of a Pact file: those
// of its response body, whose value is at the JSON pointer at, and those
// of its request ("request/body.identities[0].type", as the request
// check names them) at the member of the request as written, or at the
// request itself.
func pactLines(data []byte, i int, at string) func(string) int {
	response := linesIn(data, at)
	request := fmt.Sprintf("/interactions/%d/request", i)
	return func(location string) int {
		rest, ok := strings.CutPrefix(location, "request/")
		if !ok && location != "request" {
			return response(location)
		}
		ptr := strings.NewReplacer("[", ".", "]", "", "~", "~0", "/", "~1").Replace(rest)
		if line, ok := LineOf(data, request+"/"+strings.ReplaceAll(ptr, ".", "/")); ok {
			return line
		}
		line, _ := LineOf(data, request)
		return line
	}
}

// pactFail reports a bad interaction to OnError and goes on, or stops.
func (l *loader) pactFail(le *LoadError) error {
	if l.opts.OnError == nil {
		return le
	}
	l.opts.OnError(le)
	return nil
}

// pactExchange turns an interaction into an exchange; nil when its request
// is not one of the documented operations.
func pactExchange(in pactInteraction, v4 bool) (*Exchange, error) {
	method := strings.ToUpper(in.Request.Method)
	target := in.Request.Path
	query, err := pactQuery(in.Request.Query)
	if err != nil {
		return nil, err
	}
	if query != "" {
		target += "?" + query
	}
	route, ok := specs.Match(method, target)
	if !ok {
		return nil, nil
	}
	reqHeader, err := pactHeaders(in.Request.Headers)
	if err != nil {
		return nil, fmt.Errorf("request headers: %w", err)
	}
	reqBody, reqType, err := pactBody(in.Request.Body, v4)
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	if reqType != "" && reqHeader.Get("Content-Type") == "" {
		reqHeader.Set("Content-Type", reqType)
	}
	resHeader, err := pactHeaders(in.Response.Headers)
	if err != nil {
		return nil, fmt.Errorf("response headers: %w", err)
	}
	resBody, resType, err := pactBody(in.Response.Body, v4)
	if err != nil {
		return nil, fmt.Errorf("response body: %w", err)
	}
	if resType != "" && resHeader.Get("Content-Type") == "" {
		resHeader.Set("Content-Type", resType)
	}
	if in.Response.Status == 0 {
		return nil, errors.New("the response has no status")
	}
	req := &Request{Method: method, URL: target, Header: reqHeader, Body: reqBody}
	if mt := reqHeader.Get("Content-Type"); strings.HasPrefix(mt, "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(reqBody)); err == nil {
			req.Form = form
		}
	}
	return &Exchange{API: route.API, Operation: route.Operation.ID, Request: req,
		Status: in.Response.Status, Header: resHeader, Body: resBody}, nil
}

// pactQuery returns a query string: v2 writes one, v3 and v4 a map of
// names to lists of values.
func pactQuery(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var m map[string][]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("request query: expected a string or names with lists of values")
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		for _, v := range m[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String(), nil
}

// pactHeaders reads headers whose values are a string (v2, v3) or a list
// of strings (v4).
func pactHeaders(in map[string]json.RawMessage) (http.Header, error) {
	h := http.Header{}
	for k, raw := range in {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			h.Add(k, s)
			continue
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s: expected a string or a list of strings", k)
		}
		for _, v := range list {
			h.Add(k, v)
		}
	}
	return h, nil
}

// pactBody returns a body as bytes, and its content type when the file
// says it (v4): v2 and v3 write the JSON body itself (or a string for a
// text body), v4 an object {"content", "contentType", "encoded"}.
func pactBody(raw json.RawMessage, v4 bool) ([]byte, string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, "", nil
	}
	if v4 {
		var b struct {
			Content     json.RawMessage `json:"content"`
			ContentType string          `json:"contentType"`
			Encoded     json.RawMessage `json:"encoded"`
		}
		if err := json.Unmarshal(raw, &b); err != nil || b.Content == nil {
			return nil, "", errors.New(`expected {"content": ..., "contentType": ...}`)
		}
		enc := strings.Trim(string(b.Encoded), `"`)
		var s string
		isString := json.Unmarshal(b.Content, &s) == nil
		switch {
		case enc == "base64" && isString:
			d, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, "", errors.New("content: invalid base64")
			}
			return d, b.ContentType, nil
		case isString && !strings.Contains(b.ContentType, "json"):
			return []byte(s), b.ContentType, nil
		}
		return []byte(b.Content), b.ContentType, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s), "", nil // a text body
	}
	return []byte(raw), "", nil
}
