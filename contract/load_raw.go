package contract

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// raw hands on a raw HTTP response as printed by curl -si.
func (l *loader) raw(src string, data []byte) error {
	status, header, body, err := rawParse(data)
	if err != nil {
		return &LoadError{Source: src, Err: err}
	}
	api, err := l.apiOf(body)
	if err != nil {
		return &LoadError{Source: src, Err: err}
	}
	return l.emit(Item{Source: src, Exchange: Exchange{API: api, Status: status, Header: header, Body: body}})
}

// rawParse reads the last response of data: curl prints one status block
// (status line, headers, blank line) per response it received — 100
// Continue, a proxy's "200 Connection established", each redirect with -L —
// and the body of the last one only. A block whose blank line is followed
// (after more blank lines) by a line starting with "HTTP/" is such an
// intermediate one. The body is everything after the last block's blank
// line, byte for byte: curl prints it decoded, so Transfer-Encoding and
// Content-Length do not apply. Lines may end in CRLF or LF.
func rawParse(data []byte) (status int, header http.Header, body []byte, err error) {
	pos, line := 0, 1
	for pos < len(data) && loadIsSpace(data[pos]) {
		if data[pos] == '\n' {
			line++
		}
		pos++
	}
	for {
		text, next := rawLine(data, pos)
		status, err = rawStatusLine(text)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("line %d: %w", line, err)
		}
		pos, line = next, line+1
		header = http.Header{}
		last := "" // the name of the previous header, for folded lines
		ended := false
		for pos < len(data) {
			text, next = rawLine(data, pos)
			if len(text) == 0 {
				pos, line, ended = next, line+1, true
				break
			}
			if text[0] == ' ' || text[0] == '\t' {
				// An obsolete folded line continues the previous header.
				if last == "" {
					return 0, nil, nil, fmt.Errorf("line %d: malformed header block (continuation line before any header)", line)
				}
				vs := header[last]
				vs[len(vs)-1] = strings.TrimSpace(vs[len(vs)-1] + " " + strings.TrimSpace(string(text)))
			} else {
				name, value, ok := bytes.Cut(text, []byte(":"))
				if !ok || !rawIsToken(name) {
					return 0, nil, nil, fmt.Errorf("line %d: malformed header line (want \"Name: value\")", line)
				}
				last = http.CanonicalHeaderKey(string(name))
				header.Add(last, strings.TrimSpace(string(value)))
			}
			pos, line = next, line+1
		}
		if !ended {
			// The headers run to the end of the input: no body.
			return status, header, []byte{}, nil
		}
		// Another block after blank lines means this one was intermediate.
		p, ln := pos, line
		for p < len(data) {
			text, next = rawLine(data, p)
			if len(bytes.TrimLeft(text, " \t")) != 0 {
				break
			}
			p, ln = next, ln+1
		}
		if !bytes.HasPrefix(data[p:], []byte(loadHTTPPrefix)) {
			return status, header, data[pos:], nil
		}
		pos, line = p, ln
	}
}

// rawLine returns the line of data that starts at pos, without its line
// ending, and the position of the next line.
func rawLine(data []byte, pos int) (text []byte, next int) {
	i := bytes.IndexByte(data[pos:], '\n')
	if i < 0 {
		return bytes.TrimSuffix(data[pos:], []byte("\r")), len(data)
	}
	return bytes.TrimSuffix(data[pos:pos+i], []byte("\r")), pos + i + 1
}

// rawStatusLine parses "HTTP/1.1 200 OK", "HTTP/2 200", "HTTP/3 200 "
// and returns the status code.
func rawStatusLine(text []byte) (int, error) {
	bad := fmt.Errorf("malformed HTTP status line %q (want \"HTTP/1.1 200 OK\")", loadClip(string(text), 40))
	rest, ok := bytes.CutPrefix(text, []byte(loadHTTPPrefix))
	if !ok {
		return 0, bad
	}
	version, rest, ok := bytes.Cut(rest, []byte(" "))
	if !ok || !rawIsVersion(version) {
		return 0, bad
	}
	if len(rest) < 3 || (len(rest) > 3 && rest[3] != ' ') {
		return 0, bad
	}
	code := 0
	for i, c := range rest[:3] {
		if c < '0' || c > '9' || (i == 0 && c == '0') {
			return 0, bad
		}
		code = code*10 + int(c-'0')
	}
	return code, nil
}

// rawIsVersion accepts "1.1", "1.0", "2", "2.0", "3".
func rawIsVersion(v []byte) bool {
	switch len(v) {
	case 1:
		return v[0] >= '0' && v[0] <= '9'
	case 3:
		return v[0] >= '0' && v[0] <= '9' && v[1] == '.' && v[2] >= '0' && v[2] <= '9'
	}
	return false
}

// rawIsToken reports whether b is a header name (an RFC 9110 token).
func rawIsToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
