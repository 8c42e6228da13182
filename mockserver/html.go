package mockserver

import (
	"bytes"
	"html/template"
	"net/url"
	"strconv"
)

// pageTemplate is the Services Directory view of a getTask answer (f=html).
// html/template escapes every value for its context.
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

func parsePage() (*template.Template, error) {
	return template.New("getTask").Parse(pageTemplate)
}

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
// the error e. The format links repeat the request's ids, never its token.
func (s *Server) esriPage(out esriOut, resp object, e *esriError) ([]byte, error) {
	d := pageData{Path: out.path, GroupID: out.groupID, OperationID: out.opID}
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
	d.JSONHref, d.PJSONHref = link("json"), link("pjson")
	if e != nil {
		d.Error = &pageError{Code: e.code, Message: e.message, Details: e.details}
	} else {
		task, err := resp.child("task")
		if err != nil {
			return nil, err
		}
		for _, m := range task {
			d.Fields = append(d.Fields, pageField{Name: m.key, Value: fieldText(m.value)})
		}
		if raw, ok := resp.get("success"); ok {
			d.Success = fieldText(raw)
		} else {
			d.Success = strconv.FormatBool(false)
		}
	}
	var b bytes.Buffer
	if err := s.page.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
