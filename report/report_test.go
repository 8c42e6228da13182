package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/specs"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleResults covers what the reports must show: a response that passes,
// one with an error and a warning, a message with XML's special
// characters, a passing response with a warning, both APIs, an unknown
// status, an input that could not be read, and the torn end of a recording
// set aside as a notice.
func sampleResults() []report.Result {
	return []report.Result{
		{Source: "tasks/ok.json", Report: contract.Report{API: specs.Esri}},
		{Source: "tasks/t1.json", File: "tasks/t1.json", Lines: []int{4, 9},
			Body: []byte(`{"task": {"statusCode": 3, "status": "new", "colour": "red", "path/with~": [1, 2.50, true, null, {}]}}`), Report: contract.Report{API: specs.Esri, Status: 200, Violations: []contract.Violation{
				{API: specs.Esri, Severity: contract.SeverityError, Rule: contract.RuleEsriStatusPair, Location: "/task/statusCode",
					Message: `statusCode 3 does not match status "new" (expected 0)`},
				{API: specs.Esri, Severity: contract.SeverityWarning, Rule: contract.RuleUnknownField, Location: "/task/colour",
					Message: "property colour is not in the documentation"},
			}}},
		{Source: "traffic.har#3", File: "traffic.har", Lines: []int{0},
			Body: []byte(`{"id": "7", "state": "<done> & \"closed\"", "title": "</script><script>alert(1)</script>"}`), Request: "GET https://opa.example.com/process/api/v1/tasks/7?token=REDACTED", Report: contract.Report{API: specs.Oracle, Status: 200, Violations: []contract.Violation{
				{API: specs.Oracle, Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/state",
					Message: `value "<done> & \"closed\"" is not one of ASSIGNED, COMPLETED, ...`},
			}}},
		{Source: "oracle/warn.json", Body: []byte(`{"links": [{"rel": "self", "href": "https://opa.example.com/tasks/8"}]}`), Report: contract.Report{API: specs.Oracle, Status: 200, Violations: []contract.Violation{
			{API: specs.Oracle, Severity: contract.SeverityWarning, Rule: contract.RuleOracleSelfLink, Location: "/links/0/href",
				Message: "self link does not end with the task id"},
		}}},
		{Source: "broken/t0.json", Error: "truncated JSON (unexpected end of input at byte 10) <&>"},
		{Source: "rec.har#9", Notice: "warning: incomplete last entry set aside: the recording ends in an interrupted write"},
	}
}

// liveResults are what a live check gives: a request answered after a
// retry and a redirect, one whose answer breaks the contract, and one that
// could not be made.
func liveResults() []report.Result {
	return []report.Result{
		{Source: "GET https://opa.example.com/process/api/v1/tasks/7", Live: &report.Live{Latency: 123 * time.Millisecond, Attempts: 2,
			Retries:   []string{"attempt 1: 503 Service Unavailable, retried after 500ms"},
			Redirects: []string{"https://opa2.example.com/process/api/v1/tasks/7"}},
			Report: contract.Report{API: specs.Oracle, Operation: "getTask", Status: 200}},
		{Source: "GET https://opa.example.com/process/api/v1/tasks/8", Live: &report.Live{Latency: 45 * time.Millisecond, Attempts: 1},
			Body: []byte(`{"id": "8", "state": "DONE"}`),
			Report: contract.Report{API: specs.Oracle, Operation: "getTask", Status: 200, Violations: []contract.Violation{{
				API: specs.Oracle, Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/state",
				Message: `expected one of "ASSIGNED", "COMPLETED", found string "DONE"`}}}},
		{Source: "GET https://opa.example.com/process/api/v1/tasks/9", Live: &report.Live{Latency: 30 * time.Second, Attempts: 3,
			Error: "no complete answer within 30s (--timeout)"},
			Report: contract.Report{API: specs.Oracle, Operation: "getTask", Violations: []contract.Violation{{
				API: specs.Oracle, Severity: contract.SeverityError, Rule: "request-failed", Location: "request",
				Message: "expected an answer, found none after 3 attempts: no complete answer within 30s (--timeout)"}}}},
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		golden string
		format report.Format
		opts   report.Options
	}{
		{"report.txt", report.FormatText, report.Options{}},
		{"report.color.txt", report.FormatText, report.Options{Color: true}},
		{"report.strict.txt", report.FormatText, report.Options{Strict: true}},
		{"report.json", report.FormatJSON, report.Options{}},
		{"report.xml", report.FormatJUnit, report.Options{}},
		{"report.strict.xml", report.FormatJUnit, report.Options{Strict: true}},
		{"report.github.txt", report.FormatGitHub, report.Options{}},
		{"report.md", report.FormatMarkdown, report.Options{}},
		{"report.sarif", report.FormatSARIF, report.Options{}},
		{"report.html", report.FormatHTML, report.Options{}},
	}
	for _, format := range report.Formats() {
		tests = append(tests, struct {
			golden string
			format report.Format
			opts   report.Options
		}{"check." + string(format), format, report.Options{Tool: "taskmock check"}})
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			results := sampleResults()
			if strings.HasPrefix(tt.golden, "check.") {
				results = liveResults()
			}
			got, err := report.Render(tt.format, results, tt.opts)
			require.NoError(t, err)
			assertGolden(t, filepath.Join("testdata", tt.golden), got)
		})
	}
}

// assertGolden compares got with the golden file byte for byte, or
// rewrites the file with -update.
func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/cli/ -update to create it")
	assert.Equal(t, string(want), string(got), "%s differs; run go test ./internal/cli/ -update if the change is intended", path)
}

func TestRenderEmpty(t *testing.T) {
	tests := []struct {
		format report.Format
		want   string
	}{
		{report.FormatText, "checked 0 responses: 0 passed, 0 failed (0 errors, 0 warnings)\n"},
		{report.FormatJSON, "{\n  \"summary\": {\n    \"checked\": 0,\n    \"passed\": 0,\n    \"errors\": 0,\n    \"warnings\": 0\n  },\n  \"results\": []\n}\n"},
		{report.FormatJUnit, xml.Header + "<testsuites name=\"taskmock\" tests=\"0\" failures=\"0\" errors=\"0\"></testsuites>\n"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			got, err := report.Render(tt.format, nil, report.Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	_, err := report.Render("yaml", sampleResults(), report.Options{})
	assert.EqualError(t, err, `unknown report format "yaml"`)
}

func TestRenderTextSummaryWording(t *testing.T) {
	warn := contract.Violation{Severity: contract.SeverityWarning, Rule: "r", Location: "/a", Message: "m"}
	fail := contract.Violation{Severity: contract.SeverityError, Rule: "r", Location: "/a", Message: "m"}
	tests := []struct {
		name    string
		results []report.Result
		strict  bool
		want    string
	}{
		{"one passed", []report.Result{{Source: "a"}},
			false, "checked 1 response: 1 passed, 0 failed (0 errors, 0 warnings)"},
		{"one error one warning", []report.Result{{Source: "a", Report: contract.Report{Violations: []contract.Violation{fail, warn}}}},
			false, "checked 1 response: 0 passed, 1 failed (1 error, 1 warning)"},
		{"warning passes", []report.Result{{Source: "a", Report: contract.Report{Violations: []contract.Violation{warn, warn}}}, {Source: "b"}},
			false, "checked 2 responses: 2 passed, 0 failed (0 errors, 2 warnings)"},
		{"strict warning fails", []report.Result{{Source: "a", Report: contract.Report{Violations: []contract.Violation{warn}}}, {Source: "b"}},
			true, "checked 2 responses: 1 passed, 1 failed (0 errors, 1 warning)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := report.RenderText(tt.results, report.Options{Strict: tt.strict})
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			assert.Equal(t, tt.want, lines[len(lines)-1])
		})
	}
}

// hostile is a result whose source and message hold what breaks naive
// output: newlines, escape sequences, NUL, invalid UTF-8, XML's special
// characters and the end of a CDATA section.
func hostile() []report.Result {
	msg := "line1\nline2\r\t\x1b[31mred\x00 \xff\xfe <a href=\"x\">&amp;</a> ]]> \u2028 \ufffd ok"
	return []report.Result{{
		Source: "dir\nname\x00.json",
		Report: contract.Report{API: specs.Oracle, Violations: []contract.Violation{
			{Severity: contract.SeverityError, Rule: contract.RuleSchemaType, Location: "/a\n/b", Message: msg},
			{Severity: contract.SeverityWarning, Rule: contract.RuleSchemaOther, Message: msg},
		}},
	}}
}

func TestRenderTextKeepsOneLinePerViolation(t *testing.T) {
	out := string(report.RenderText(hostile(), report.Options{}))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 3, out)
	assert.Equal(t, "dir name .json: error /a /b schema-type: line1 line2   [31mred     <a href=\"x\">&amp;</a> ]]>   \ufffd ok", lines[0])
	assert.Contains(t, lines[1], ": warning - schema: ", "an empty location prints as -")
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\x00")
}

func TestRenderJUnitIsValidXML(t *testing.T) {
	for _, strict := range []bool{false, true} {
		out, err := report.RenderJUnit(hostile(), report.Options{Strict: strict})
		require.NoError(t, err)
		dec := xml.NewDecoder(bytes.NewReader(out))
		var text strings.Builder
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "%s", out)
			if cd, ok := tok.(xml.CharData); ok {
				text.Write(cd)
			}
		}
		assert.Contains(t, text.String(), `<a href="x">&amp;</a> ]]>`)
	}
}

func TestRenderJUnitStructure(t *testing.T) {
	out, err := report.RenderJUnit(sampleResults(), report.Options{})
	require.NoError(t, err)
	var doc struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				ClassName string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				SystemOut string `xml:"system-out"`
				Error     *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"error"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
		Errors int `xml:"errors,attr"`
	}
	require.NoError(t, xml.Unmarshal(out, &doc))
	assert.Equal(t, "taskmock", doc.Name)
	assert.Equal(t, 6, doc.Tests)
	assert.Equal(t, 2, doc.Failures)
	assert.Equal(t, 1, doc.Errors)
	require.Len(t, doc.Suites, 4)
	assert.Equal(t, "taskmock.esri", doc.Suites[0].Name)
	assert.Equal(t, "taskmock.notices", doc.Suites[1].Name)
	assert.Equal(t, "taskmock.oracle", doc.Suites[2].Name)
	assert.Equal(t, "taskmock.unreadable", doc.Suites[3].Name)
	torn := doc.Suites[1].Cases[0]
	assert.Equal(t, "rec.har#9", torn.Name)
	assert.Nil(t, torn.Failure)
	assert.Nil(t, torn.Error)
	require.NotNil(t, torn.Skipped, "the torn end of a recording is a skipped test case")
	assert.Equal(t, "warning: incomplete last entry set aside: the recording ends in an interrupted write", torn.Skipped.Message)
	unreadable := doc.Suites[3].Cases[0]
	assert.Nil(t, unreadable.Failure)
	require.NotNil(t, unreadable.Error)
	assert.Equal(t, "unreadable", unreadable.Error.Type)
	assert.Equal(t, "truncated JSON (unexpected end of input at byte 10) <&>", unreadable.Error.Message)

	t1 := doc.Suites[0].Cases[1]
	assert.Equal(t, "taskmock.esri", t1.ClassName)
	assert.Equal(t, "tasks/t1.json", t1.Name)
	require.NotNil(t, t1.Failure)
	assert.Equal(t, "1 error, 1 warning", t1.Failure.Message)
	assert.Equal(t, "contract", t1.Failure.Type)
	assert.Contains(t, t1.Failure.Text, "tasks/t1.json: error /task/statusCode esri-status-pair: ")

	warn := doc.Suites[2].Cases[1]
	assert.Nil(t, warn.Failure)
	assert.Equal(t, "oracle/warn.json: warning /links/0/href oracle-self-link: self link does not end with the task id\n", warn.SystemOut)
}

func TestRenderJSONStructure(t *testing.T) {
	out, err := report.RenderJSON(sampleResults(), report.Options{})
	require.NoError(t, err)
	var rep jsonReport
	decodeStrict(t, out, &rep)
	assert.Equal(t, jsonSummary{Checked: 4, Passed: 2, Errors: 2, Warnings: 2, Unreadable: 1, Notices: 1}, rep.Summary)
	require.Len(t, rep.Results, 6)
	assert.Equal(t, jsonResult{Source: "rec.har#9", Violations: []jsonViolation{},
		Notice: "warning: incomplete last entry set aside: the recording ends in an interrupted write"}, rep.Results[5])
	assert.Equal(t, jsonResult{Source: "broken/t0.json", Violations: []jsonViolation{},
		Error: "truncated JSON (unexpected end of input at byte 10) <&>"}, rep.Results[4])
	assert.Equal(t, "tasks/ok.json", rep.Results[0].Source)
	assert.Equal(t, 200, rep.Results[0].Status, "an unknown status is shown as the 200 it was judged as")
	assert.NotNil(t, rep.Results[0].Violations)
	assert.Empty(t, rep.Results[0].Violations)
	assert.Equal(t, "oracle", rep.Results[2].API)
	assert.Equal(t, jsonViolation{Severity: "error", Rule: "schema-enum", Location: "/state",
		Message: `value "<done> & \"closed\"" is not one of ASSIGNED, COMPLETED, ...`}, rep.Results[2].Violations[0])
	assert.Contains(t, string(out), `"violations": []`)
}

// The documented JSON report, as a user of --format json reads it.
type (
	jsonReport struct {
		Summary jsonSummary  `json:"summary"`
		Results []jsonResult `json:"results"`
	}
	jsonSummary struct {
		Checked     int `json:"checked"`
		Passed      int `json:"passed"`
		Errors      int `json:"errors"`
		Warnings    int `json:"warnings"`
		Unreadable  int `json:"unreadable"`
		NotRecorded int `json:"notRecorded"`
		Notices     int `json:"notices"`
	}
	jsonResult struct {
		Source     string          `json:"source"`
		API        string          `json:"api"`
		Operation  string          `json:"operation"`
		Status     int             `json:"status"`
		Violations []jsonViolation `json:"violations"`
		Error      string          `json:"error"`
		Notice     string          `json:"notice"`
	}
	jsonViolation struct {
		Severity string `json:"severity"`
		Rule     string `json:"rule"`
		Location string `json:"location"`
		Message  string `json:"message"`
	}
)

// decodeStrict decodes data into v, refusing fields v does not know.
func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "%s", data)
}

// TestRenderSARIFURIs: a SARIF artifact location is a URI reference (RFC
// 3986), so a file name's #, %, space or colon is percent-encoded or kept
// from reading as a fragment or a scheme; the reference decodes back to
// the file's name.
func TestRenderSARIFURIs(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("dir", "a b.json"))
	require.NoError(t, err)
	tests := map[string]string{
		"sub dir/t#1 50%.json": "sub%20dir/t%231%2050%25.json",
		"c:d.json":             "./c:d.json",
		"pct%25 and \n.json":   "pct%2525%20and%20%0A.json",
		"plain/t1.json":        "plain/t1.json",
		"../up/x?.json":        "../up/x%3F.json",
	}
	if runtime.GOOS != "windows" {
		tests[abs] = "file://" + strings.ReplaceAll(abs, " ", "%20")
	}
	for file, want := range tests {
		r := report.Result{Source: file, File: file, Lines: []int{1}, Report: contract.Report{API: specs.Oracle, Status: 200,
			Violations: []contract.Violation{{API: specs.Oracle, Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/state", Message: "m"}}}}
		out, err := report.Render(report.FormatSARIF, []report.Result{r}, report.Options{})
		require.NoError(t, err)
		var doc struct {
			Runs []struct {
				Results []struct {
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
						}
					}
				}
			}
		}
		require.NoError(t, json.Unmarshal(out, &doc))
		uri := doc.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI
		assert.Equal(t, want, uri, file)
		u, err := url.Parse(uri)
		require.NoError(t, err, uri)
		assert.Empty(t, u.Fragment, uri)
		assert.Empty(t, u.RawQuery, uri)
		if u.Scheme == "" {
			p, err := url.PathUnescape(uri)
			require.NoError(t, err)
			assert.Equal(t, filepath.ToSlash(file), strings.TrimPrefix(p, "./"), "decodes back to the file")
		} else {
			assert.Equal(t, "file", u.Scheme)
		}
	}
}

// TestRenderMarkdownValuesAreInert: the markdown report goes to a job
// summary or a pull-request comment; a value a server or a Pact file put in
// a message (an image, a link, an @mention, emphasis, backticks, a pipe)
// stays text: each message is one code span no backtick of it can close,
// in a row of exactly five cells.
func TestRenderMarkdownValuesAreInert(t *testing.T) {
	values := []string{"![t](https://evil.example/p.png)", "[Fix here](https://evil.example)", "@octocat @github/security",
		"**URGENT** ~~x~~", "`x` ``y``", "a|b", "<img src=x onerror=alert(1)>", "https://evil.example/"}
	var rs []report.Result
	for _, v := range values {
		rs = append(rs, report.Result{Source: "t.json", Report: contract.Report{API: specs.Oracle, Status: 200, Violations: []contract.Violation{
			{API: specs.Oracle, Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/state", Message: `found string "` + v + `"`}}}})
	}
	out, err := report.Render(report.FormatMarkdown, rs, report.Options{})
	require.NoError(t, err)
	var rows []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "| `t.json` |") {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, len(values), string(out))
	for i, row := range rows {
		cells := regexp.MustCompile(`\s(?:[^\\|]|\\.)*?\s\|`).FindAllString(strings.TrimPrefix(row, "|"), -1)
		require.Len(t, cells, 5, "one row of five cells: %s", row)
		msg := strings.TrimSuffix(strings.TrimSpace(cells[4]), " |")
		msg = strings.TrimSpace(strings.TrimSuffix(msg, "|"))
		fence := msg[:strings.IndexFunc(msg, func(r rune) bool { return r != '`' })]
		require.NotEmpty(t, fence, "a code span: %s", msg)
		require.True(t, strings.HasSuffix(msg, fence), "closed by its fence: %s", msg)
		inner := strings.TrimSuffix(strings.TrimPrefix(msg, fence), fence)
		assert.NotContains(t, inner, fence, "no backtick run of the fence's length inside: %s", msg)
		assert.Contains(t, strings.ReplaceAll(inner, `\|`, "|"), values[i], "the value as written, inside the span")
	}
}

// TestRenderGitHubHasNoControls: a file name or a message with ESC, other
// C0 controls or bad UTF-8 reaches the Actions log as spaces, as in the
// text format: no escape sequence recolours or hides the annotation, and
// CR and LF stay escaped so that no second command can start.
func TestRenderGitHubHasNoControls(t *testing.T) {
	name := "ctl\x01\x1b[8m\x0bname\r\n::error::x.json"
	rs := []report.Result{{Source: name, File: name, Lines: []int{2}, Report: contract.Report{API: specs.Oracle, Status: 200, Violations: []contract.Violation{
		{API: specs.Oracle, Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/state", Message: "found \x1b[31mred\x00 \xff"}}}}}
	out, err := report.Render(report.FormatGitHub, rs, report.Options{})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, 2, "the annotation and the summary: %s", out)
	for _, r := range lines[0] {
		assert.False(t, unicode.IsControl(r), "control %U in %q", r, lines[0])
	}
	assert.True(t, utf8.ValidString(lines[0]))
	assert.Contains(t, lines[0], "::error file=ctl  [8m name%0D%0A%3A%3Aerror%3A%3Ax.json,line=2,")
}
