package mockserver

import (
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/taskmock/taskmock/fixtures"
)

// pageTemplate is the Services Directory view of a getTask answer (f=html),
// the reference of the page: html/template escapes every value for its
// context. appendPage writes the same bytes without the template's
// reflection (a tenth of the time); html_test.go compares the two.
const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>getTask (TopographicProductionServer)</title>
<style>
body { font-family: Verdana, Arial, Helvetica, sans-serif; font-size: 0.8em; margin: 0; }
.userTable { background: #e5effe; width: 100%; padding: 6px; font-size: 1.25em; font-weight: bold; }
.navTable { width: 100%; border-bottom: 1px solid #aaa; padding: 4px; }
.rbody { padding: 1em; }
.formTable td { padding: 2px 8px; vertical-align: top; }
.restErrors { color: #ff0000; }
</style>
</head>
<body>
<table class="userTable"><tr><td>ArcGIS REST Services Directory</td><td style="text-align: right">taskmock</td></tr></table>
<table class="navTable"><tr><td>{{.Path}}</td></tr></table>
<div class="rbody">
<h2>getTask (TopographicProductionServer)</h2>
{{- if .Error}}
<div class="restErrors">
Error: {{.Error.Message}}<br>
Code: {{.Error.Code}}<br>
{{- range .Error.Details}}
{{.}}<br>
{{- end}}
</div>
{{- else}}
<h3>Task</h3>
<table class="formTable">
{{- range .Fields}}
<tr><td><b>{{.Name}}:</b></td><td>{{.Value}}</td></tr>
{{- end}}
</table>
<p><b>Success:</b> {{.Success}}</p>
{{- end}}
<form action="" method="get">
<table class="formTable">
<tr><td><label for="taskGroupJobId">taskGroupJobId:</label></td><td><input type="text" id="taskGroupJobId" name="taskGroupJobId" size="50" value="{{.GroupID}}"></td></tr>
<tr><td><label for="taskOperationId">taskOperationId:</label></td><td><input type="text" id="taskOperationId" name="taskOperationId" size="50" value="{{.OperationID}}"></td></tr>
<tr><td><label for="f">Format:</label></td><td><select id="f" name="f"><option value="html">HTML</option><option value="json">JSON</option><option value="pjson">PJSON</option></select></td></tr>
<tr><td></td><td><input type="submit" value="Get Task (GET)"></td></tr>
</table>
</form>
<p>Supported formats: <a href="{{.JSONHref}}">json</a>, <a href="{{.PJSONHref}}">pjson</a></p>
</div>
</body>
</html>
`

// pageData is what the page shows.
type pageData struct {
	Path        string
	Error       *pageError
	Fields      []pageField
	Success     string
	GroupID     string
	OperationID string
	JSONHref    string
	PJSONHref   string
}

type pageError struct {
	Code    int
	Message string
	Details []string
}

type pageField struct{ Name, Value string }

// esriPage renders the Services Directory page of a task response, or of
// the error e.
func (s *Server) esriPage(out esriOut, t task, e *esriError) ([]byte, error) {
	d, err := newPageData(out, t, e)
	if err != nil {
		return nil, err
	}
	return appendPage(make([]byte, 0, 4<<10), &d), nil
}

// newPageData returns what the page of a task response, or of the error e,
// shows. A generated task is shown from its fields, any other from its
// members.
func newPageData(out esriOut, t task, e *esriError) (pageData, error) {
	d := pageData{Path: out.path, GroupID: out.groupID, OperationID: out.opID}
	d.JSONHref, d.PJSONHref = pageLinks(out)
	switch {
	case e != nil:
		d.Error = &pageError{Code: e.code, Message: e.message, Details: e.details}
	case t.esri != nil:
		d.Fields, d.Success = esriFields(&t.esri.Task), strconv.FormatBool(t.esri.Success)
	default:
		resp, err := t.object()
		if err != nil {
			return d, err
		}
		task, err := resp.child("task")
		if err != nil {
			return d, err
		}
		d.Fields = make([]pageField, 0, len(task))
		for _, m := range task {
			d.Fields = append(d.Fields, pageField{Name: m.key, Value: fieldText(m.value)})
		}
		if raw, ok := resp.get("success"); ok {
			d.Success = fieldText(raw)
		} else {
			d.Success = strconv.FormatBool(false)
		}
	}
	return d, nil
}

// pageLinks returns the page's links to the json and pjson formats: they
// repeat the request's ids, never its token.
func pageLinks(out esriOut) (jsonHref, pjsonHref string) {
	link := func(f string) string {
		q := url.Values{}
		if out.groupID != "" {
			q.Set("taskGroupJobId", out.groupID)
		}
		if out.opID != "" {
			q.Set("taskOperationId", out.opID)
		}
		q.Set("f", f)
		return "?" + q.Encode()
	}
	return link("json"), link("pjson")
}

// esriFields are the members of a generated task as the page shows them:
// the text fieldText gives for the member json.Marshal writes, in its
// order.
func esriFields(t *fixtures.EsriTask) []pageField {
	return []pageField{
		{"taskWorkId", decodedText(t.TaskWorkID)},
		{"taskOperationId", decodedText(t.TaskOperationID)},
		{"workflowJobId", decodedText(t.WorkflowJobID)},
		{"statusCode", strconv.Itoa(t.StatusCode)},
		{"status", decodedText(t.Status)},
		{"startOn", decodedText(t.StartOn)},
		{"endOn", decodedText(t.EndOn)},
		{"startedOn", decodedText(t.StartedOn)},
		{"endedOn", decodedText(t.EndedOn)},
		{"duration", floatText(t.Duration)},
		{"levelOfEffort", floatText(t.LevelOfEffort)},
		{"assignTo", decodedText(t.AssignTo)},
		{"isRework", strconv.FormatBool(t.IsRework)},
		{"taskOrder", strconv.Itoa(t.TaskOrder)},
	}
}

// decodedText returns s as encoding it to JSON and decoding it back gives
// it: every byte that is not valid UTF-8 becomes U+FFFD.
func decodedText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte
		i += size
	}
	return b.String()
}

// floatText returns f as encoding/json writes it.
func floatText(f float64) string {
	if abs := math.Abs(f); abs == 0 || abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "" // NaN and the infinities never reach the page: encoding failed first
	}
	return string(b)
}

// pageHead is the text of the page before its first value.
var pageHead = pageTemplate[:strings.Index(pageTemplate, "{{")]

// The text of the page between its values, as pageTemplate has it once its
// {{- trims are applied.
const (
	pageNav = `</td></tr></table>
<div class="rbody">
<h2>getTask (TopographicProductionServer)</h2>`
	pageErrorStart = `
<div class="restErrors">
Error: `
	pageErrorCode = `<br>
Code: `
	pageErrorEnd = `
</div>`
	pageTaskStart = `
<h3>Task</h3>
<table class="formTable">`
	pageFieldName  = "\n<tr><td><b>"
	pageFieldValue = `:</b></td><td>`
	pageFieldEnd   = `</td></tr>`
	pageSuccess    = `
</table>
<p><b>Success:</b> `
	pageForm  = `</p>`
	pageGroup = `
<form action="" method="get">
<table class="formTable">
<tr><td><label for="taskGroupJobId">taskGroupJobId:</label></td><td><input type="text" id="taskGroupJobId" name="taskGroupJobId" size="50" value="`
	pageOperation = `"></td></tr>
<tr><td><label for="taskOperationId">taskOperationId:</label></td><td><input type="text" id="taskOperationId" name="taskOperationId" size="50" value="`
	pageFormats = `"></td></tr>
<tr><td><label for="f">Format:</label></td><td><select id="f" name="f"><option value="html">HTML</option><option value="json">JSON</option><option value="pjson">PJSON</option></select></td></tr>
<tr><td></td><td><input type="submit" value="Get Task (GET)"></td></tr>
</table>
</form>
<p>Supported formats: <a href="`
	pagePJSON = `">json</a>, <a href="`
	pageTail  = `">pjson</a></p>
</div>
</body>
</html>
`
)

// appendPage appends the page of d, as pageTemplate renders it: every
// value escaped as html/template escapes it in its context (text and
// quoted attributes: HTML-escaped; links: filtered, normalized, then
// HTML-escaped).
func appendPage(b []byte, d *pageData) []byte {
	b = append(b, pageHead...)
	b = appendHTML(b, d.Path)
	b = append(b, pageNav...)
	if d.Error != nil {
		b = append(b, pageErrorStart...)
		b = appendHTML(b, d.Error.Message)
		b = append(b, pageErrorCode...)
		b = strconv.AppendInt(b, int64(d.Error.Code), 10)
		b = append(b, "<br>"...)
		for _, detail := range d.Error.Details {
			b = append(b, '\n')
			b = appendHTML(b, detail)
			b = append(b, "<br>"...)
		}
		b = append(b, pageErrorEnd...)
	} else {
		b = append(b, pageTaskStart...)
		for _, f := range d.Fields {
			b = append(b, pageFieldName...)
			b = appendHTML(b, f.Name)
			b = append(b, pageFieldValue...)
			b = appendHTML(b, f.Value)
			b = append(b, pageFieldEnd...)
		}
		b = append(b, pageSuccess...)
		b = appendHTML(b, d.Success)
		b = append(b, pageForm...)
	}
	b = append(b, pageGroup...)
	b = appendHTML(b, d.GroupID)
	b = append(b, pageOperation...)
	b = appendHTML(b, d.OperationID)
	b = append(b, pageFormats...)
	b = appendURLAttr(b, d.JSONHref)
	b = append(b, pagePJSON...)
	b = appendURLAttr(b, d.PJSONHref)
	return append(b, pageTail...)
}

// htmlEscapes are html/template's replacements in text and quoted
// attribute values (its htmlReplacementTable), by byte: no byte of a
// multi-byte or invalid UTF-8 sequence is replaced.
var htmlEscapes = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// appendHTML appends s escaped as html/template's htmlEscaper and
// attrEscaper escape a string.
func appendHTML(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if int(c) >= len(htmlEscapes) || htmlEscapes[c] == "" {
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, htmlEscapes[c]...)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// appendURLAttr appends URL s in a quoted attribute as html/template writes
// it: "#ZgotmplZ" for a scheme other than http, https or mailto; bytes
// outside RFC 3986's unreserved and reserved sets (and a % that starts no
// escape) percent-encoded; then HTML-escaped.
func appendURLAttr(b []byte, s string) []byte {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") &&
		!strings.EqualFold(protocol, "http") && !strings.EqualFold(protocol, "https") && !strings.EqualFold(protocol, "mailto") {
		s = "#ZgotmplZ"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!#$*,/:;=?@[]", c) >= 0:
			b = append(b, c)
		case c == '&' || c == '+':
			b = append(b, htmlEscapes[c]...)
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			b = append(b, c)
		default:
			b = append(b, '%', hexLower[c>>4], hexLower[c&0xf])
		}
	}
	return b
}

const hexLower = "0123456789abcdef"

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
