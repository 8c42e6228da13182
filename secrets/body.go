package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// maxBodyParts bounds the parts of a multipart body read for credentials,
// and maxPartValue the bytes of one part's value.
const (
	maxBodyParts = 1000
	maxPartValue = 64 << 10
)

// CollectRequest returns the credentials a request carries (see Collect),
// those of its body included, whatever the body's encoding (see
// BodyFields); nil when it carries none. contentType is the body's
// Content-Type, "" when unknown.
func CollectRequest(rawURL string, h http.Header, form url.Values, contentType string, body []byte) *Set {
	fields := BodyFields(contentType, body)
	if len(fields) == 0 {
		return Collect(rawURL, h, form)
	}
	all := make(url.Values, len(form)+len(fields))
	for k, vs := range form {
		all[k] = vs
	}
	for k, vs := range fields {
		all[k] = append(all[k], vs...)
	}
	return Collect(rawURL, h, all)
}

// BodyFields returns the credential parameters (see IsParam) a request
// body carries, whatever its encoding: the fields of a URL-encoded form,
// the fields of a multipart form (files left out), and the members of a
// JSON document at any depth whose value is a string or a number. The
// encoding is told by contentType, else by the body itself (JSON starts
// with { or [, a multipart body with its boundary line). It returns nil
// when there is none. A body that does not parse yields what was read of
// it before the error.
func BodyFields(contentType string, body []byte) url.Values {
	t := bytes.TrimLeft(body, " \t\r\n")
	if len(t) == 0 {
		return nil
	}
	out := url.Values{}
	mt, params, _ := mime.ParseMediaType(contentType)
	boundary := params["boundary"]
	if boundary == "" && bytes.HasPrefix(t, []byte("--")) {
		// A multipart body whose Content-Type was not kept: its first
		// line is "--" and the boundary.
		line, _, _ := bytes.Cut(t[2:], []byte("\n"))
		boundary = string(bytes.TrimRight(line, "\r"))
	}
	switch {
	case boundary != "" && (mt == "" || strings.HasPrefix(mt, "multipart/")):
		multipartFields(body, boundary, out)
	case t[0] == '{' || t[0] == '[':
		jsonFields(t, out)
	default:
		// A form, whatever its declared type (a client may send a form
		// as text/plain): only the pairs named as credentials count.
		for q := string(body); q != ""; {
			var pair string
			pair, q, _ = strings.Cut(q, "&")
			name, val, ok := strings.Cut(pair, "=")
			if n := unescape(name); ok && IsParam(n) {
				out.Add(n, unescape(val))
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// multipartFields adds the credential fields of a multipart body to out.
func multipartFields(body []byte, boundary string, out url.Values) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for range maxBodyParts {
		p, err := mr.NextRawPart()
		if err != nil {
			return
		}
		if name := p.FormName(); IsParam(name) && p.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(p, maxPartValue))
			if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
				out.Add(name, string(v))
			}
		}
		_ = p.Close()
	}
}

// jsonFields adds to out the members of a JSON document named as a
// credential parameter whose value is a string or a number. It reads the
// document token by token: no depth makes it recurse.
func jsonFields(body []byte, out url.Values) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	// inObject[i] tells whether the i-th open container is an object;
	// wantKey whether the next token of the innermost object is a key.
	var inObject []bool
	wantKey := false
	name := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				inObject = append(inObject, d == '{')
				wantKey = d == '{'
			default:
				inObject = inObject[:len(inObject)-1]
				// After a value inside an object comes a key.
				wantKey = len(inObject) > 0 && inObject[len(inObject)-1]
			}
			name = ""
			continue
		}
		if wantKey {
			name, _ = tok.(string)
			wantKey = false
			continue
		}
		if IsParam(name) {
			switch v := tok.(type) {
			case string:
				out.Add(name, v)
			case json.Number:
				out.Add(name, v.String())
			}
		}
		name = ""
		wantKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}
