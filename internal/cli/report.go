package cli

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// Result is the outcome of checking one response: where it came from and
// the validator's report on it.
//
// Report.Status is rendered as the status the response was judged as: a
// bare body file has no status (0), which the validator takes as 200, so
// the reports show 200 for it.
type Result struct {
	// Source names the response: a file path, "file.har#3", "-" for stdin.
	Source string
	// Report is what the validator said about the response.
	Report contract.Report
	// Error, when set, says why the input named Source could not be
	// checked at all (it could not be read or parsed, or its body is over
	// --max-body); Report is then empty. The text report leaves such a
	// result to the line on standard error;
	// the JSON report gives it an "error", the JUnit report an <error>.
	Error string
	// Notice, when set, says what the reader of the input named Source set
	// aside without failing (the torn end of a recording of taskmock proxy,
	// a named pipe skipped in a directory); Report is then empty. The text
	// report leaves it to the line on standard error; the JSON report gives
	// it a "notice", the JUnit report a <skipped> test case.
	Notice string
	// File and Lines place the violations in the input as written, for the
	// github format: the file the response was read from ("" when it has
	// none, such as standard input) and, for each violation, the 1-based
	// line of its value in File (0 when unknown, such as inside a HAR
	// entry's recorded body).
	File  string
	Lines []int
	// Request, when the input recorded it (a HAR entry), is "METHOD URL",
	// the URL's credentials redacted: the JUnit report names the test
	// case after it.
	Request string
}

// Format is a report format of "taskmock validate --format".
type Format string

// The report formats.
const (
	FormatText     Format = "text"
	FormatJSON     Format = "json"
	FormatJUnit    Format = "junit"
	FormatGitHub   Format = "github"
	FormatMarkdown Format = "markdown"
	FormatSARIF    Format = "sarif"
)

// Formats lists the report formats in the order the help text gives them.
func Formats() []Format {
	return []Format{FormatText, FormatJSON, FormatJUnit, FormatGitHub, FormatMarkdown, FormatSARIF}
}

// ReportOptions are the settings of one rendering. The zero value renders
// without colour and counts only errors against a response.
type ReportOptions struct {
	// Strict makes a warning fail its response, as Report.Passed(true).
	Strict bool
	// Color wraps severities and the summary of the text format in ANSI
	// colour sequences. The other formats ignore it.
	Color bool
}

// Summary counts the results of one run.
type Summary struct {
	Checked  int `json:"checked"`
	Passed   int `json:"passed"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// Unreadable counts the inputs that could not be checked (Result.Error);
	// they are not in Checked.
	Unreadable int `json:"unreadable,omitempty"`
	// NotRecorded counts the HAR entries of the APIs skipped because their
	// response body was not saved; they are not in Checked.
	NotRecorded int `json:"notRecorded,omitempty"`
	// Notices counts what was set aside without failing (Result.Notice);
	// not in Checked.
	Notices int `json:"notices,omitempty"`
}

// Failed is the number of checked responses that did not pass.
func (s Summary) Failed() int { return s.Checked - s.Passed }

// Summarize counts the results; a result passes when
// Report.Passed(opts.Strict) holds.
func Summarize(results []Result, opts ReportOptions) Summary {
	var s Summary
	for _, r := range results {
		if r.Notice != "" {
			s.Notices++
			continue
		}
		if r.Error != "" {
			s.Unreadable++
			continue
		}
		s.Checked++
		if r.Report.Passed(opts.Strict) {
			s.Passed++
		}
		s.Errors += r.Report.Errors()
		s.Warnings += r.Report.Warnings()
	}
	return s
}

// Render renders the results in the given format, in memory; validate
// writes the same bytes one result at a time with a reportWriter.
func Render(format Format, results []Result, opts ReportOptions) ([]byte, error) {
	var b bytes.Buffer
	rw, err := newReportWriter(&b, format, opts, newMemSpool)
	if err != nil {
		return nil, err
	}
	defer rw.remove()
	for _, r := range results {
		if err := rw.add(r); err != nil {
			return nil, err
		}
	}
	if err := rw.close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ANSI colour sequences of the text format.
const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiReset  = "\x1b[0m"
)

// RenderText renders one line per violation,
//
//	SOURCE: SEVERITY LOCATION RULE: message
//
// in the order of the results, then one summary line such as
//
//	checked 3 responses: 2 passed, 1 failed (4 errors, 1 warning)
//
// A response without violations prints no line of its own; the warnings
// of a response that passes are printed. Control characters in sources
// and messages are replaced by spaces, so that every violation stays on
// one line and nothing from a recorded body reaches the terminal as an
// escape sequence.
func RenderText(results []Result, opts ReportOptions) []byte {
	b, _ := Render(FormatText, results, opts) // text in memory cannot fail
	return b
}

// resultSource is the source of r as the text and JUnit reports name it:
// followed by the operation in parentheses when it is not getTask, such as
// "traffic.har#3 (updateTask)".
func resultSource(r Result) string {
	if op := r.Report.Operation; op != "" && op != specs.OpGetTask {
		return r.Source + " (" + op + ")"
	}
	return r.Source
}

func writeViolationLine(b *bytes.Buffer, source string, v contract.Violation, color bool) {
	sev := orDash(string(v.Severity))
	if color {
		switch v.Severity {
		case contract.SeverityError:
			sev = ansiRed + sev + ansiReset
		case contract.SeverityWarning:
			sev = ansiYellow + sev + ansiReset
		}
	}
	fmt.Fprintf(b, "%s: %s %s %s: %s\n", oneLine(source), sev,
		orDash(oneLine(v.Location)), orDash(oneLine(string(v.Rule))), oneLine(v.Message))
}

// The JSON report. The types fix the field names and their order, whatever
// the contract package's own JSON tags become.
type (
	jsonReport struct {
		Summary Summary      `json:"summary"`
		Results []jsonResult `json:"results"`
	}
	jsonResult struct {
		Source     string          `json:"source"`
		API        specs.Name      `json:"api"`
		Operation  string          `json:"operation,omitempty"`
		Status     int             `json:"status"`
		Violations []jsonViolation `json:"violations"`
		Error      string          `json:"error,omitempty"`
		Notice     string          `json:"notice,omitempty"`
	}
	jsonViolation struct {
		Severity contract.Severity `json:"severity"`
		Rule     contract.Rule     `json:"rule"`
		Location string            `json:"location"`
		Message  string            `json:"message"`
	}
)

// newJSONResult is the JSON form of r.
func newJSONResult(r Result) jsonResult {
	jr := jsonResult{
		Source:     r.Source,
		API:        r.Report.API,
		Operation:  r.Report.Operation,
		Status:     judgedStatus(r.Report),
		Violations: make([]jsonViolation, 0, len(r.Report.Violations)),
		Error:      r.Error,
		Notice:     r.Notice,
	}
	if r.Error != "" || r.Notice != "" {
		jr.Status = 0 // nothing was judged
	}
	for _, v := range r.Report.Violations {
		jr.Violations = append(jr.Violations, jsonViolation{
			Severity: v.Severity, Rule: v.Rule, Location: v.Location, Message: v.Message,
		})
	}
	return jr
}

// RenderJSON renders
//
//	{"summary":{"checked":N,"passed":N,"errors":N,"warnings":N},
//	 "results":[{"source":"...","api":"esri","operation":"getTask","status":200,"violations":[...]}]}
//
// indented by two spaces, with a trailing newline. Every result appears,
// in order; one without violations has "violations": [].
func RenderJSON(results []Result, opts ReportOptions) ([]byte, error) {
	return Render(FormatJSON, results, opts)
}

// The JUnit report.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		ClassName string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		Error     *junitFailure `xml:"error,omitempty"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut *junitText    `xml:"system-out,omitempty"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",cdata"`
	}
	junitText struct {
		Text string `xml:",cdata"`
	}
)

// junitSuiteName is the name of the test suite of the responses of api.
func junitSuiteName(api specs.Name) string { return "taskmock." + xmlText(string(api)) }

// junitUnreadable is the suite of the inputs that could not be read: it
// sorts between the two APIs' suites.
const junitUnreadable specs.Name = "unreadable"

// junitNotices is the suite of what was set aside without failing.
const junitNotices specs.Name = "notices"

// junitSuiteOf is the suite of r: its API's, junitUnreadable or
// junitNotices.
func junitSuiteOf(r Result) specs.Name {
	if r.Notice != "" {
		return junitNotices
	}
	if r.Error != "" {
		return junitUnreadable
	}
	return r.Report.API
}

// newJUnitCase is the test case of r; failed says whether it fails (an
// input that could not be read does not fail: it is an <error>).
func newJUnitCase(r Result, opts ReportOptions) (tc junitCase, failed bool) {
	tc = junitCase{ClassName: junitSuiteName(junitSuiteOf(r)), Name: xmlText(junitName(r))}
	if r.Notice != "" {
		tc.Skipped = &junitSkipped{Message: xmlText(oneLine(r.Notice))}
		return tc, false
	}
	if r.Error != "" {
		msg := xmlText(oneLine(r.Error))
		tc.Error = &junitFailure{Message: msg, Type: "unreadable", Text: xmlText(oneLine(r.Source)) + ": " + msg + "\n"}
		return tc, false
	}
	var lines bytes.Buffer
	for _, v := range r.Report.Violations {
		writeViolationLine(&lines, resultSource(r), v, false)
	}
	if !r.Report.Passed(opts.Strict) {
		tc.Failure = &junitFailure{
			Message: fmt.Sprintf("%s, %s", plural(r.Report.Errors(), "error"), plural(r.Report.Warnings(), "warning")),
			Type:    "contract",
			Text:    xmlText(lines.String()),
		}
		return tc, true
	}
	if lines.Len() > 0 {
		tc.SystemOut = &junitText{Text: xmlText(lines.String())}
	}
	return tc, false
}

// junitName is the name of r's test case: what was checked, "METHOD URL"
// for a recorded request, else the source ("stdin" for standard input).
func junitName(r Result) string {
	switch {
	case r.Request != "":
		if op := r.Report.Operation; op != "" && op != specs.OpGetTask {
			return r.Request + " (" + op + ")"
		}
		return r.Request
	case r.Source == "-" || strings.HasPrefix(r.Source, "-:") || strings.HasPrefix(r.Source, "-#"):
		return "stdin" + strings.TrimPrefix(resultSource(r), "-")
	}
	return resultSource(r)
}

// RenderJUnit renders a JUnit XML document: <testsuites name="taskmock">
// holds one <testsuite name="taskmock.API"> per API present in the
// results (sorted by name), and each holds one <testcase> per response,
// named after its source, in the order of the results. A response that
// fails has a <failure type="contract"> whose text is its violation lines
// in the text format; the warnings of a response that passes go into
// <system-out>. An input that could not be read is a test case of the
// suite taskmock.unreadable with an <error type="unreadable">, counted in
// the errors attributes; what was set aside without failing (the torn end
// of a recording) is a <skipped> test case of the suite taskmock.notices. Characters that XML 1.0 cannot carry are
// dropped.
func RenderJUnit(results []Result, opts ReportOptions) ([]byte, error) {
	return Render(FormatJUnit, results, opts)
}

// judgedStatus is the status the validator judged the response as: 200
// when the status was unknown.
func judgedStatus(r contract.Report) int {
	if r.Status == 0 {
		return 200
	}
	return r.Status
}

// plural formats n with the noun, singular for exactly one: "1 error",
// "2 errors", "3 HAR entries".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// oneLine replaces control characters (newlines, tabs, escapes), line
// separators and invalid UTF-8 by spaces.
func oneLine(s string) string {
	return mapRunes(s, func(r rune, valid bool) rune {
		if !valid || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// xmlText drops what XML 1.0 cannot carry: invalid UTF-8 and the
// characters outside #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
// [#x10000-#x10FFFF].
func xmlText(s string) string {
	return mapRunes(s, func(r rune, valid bool) rune {
		switch {
		case !valid:
			return -1
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	})
}

// mapRunes is strings.Map that tells the mapping whether the rune was
// valid UTF-8, so that a real U+FFFD is told apart from a bad byte. A
// negative result drops the rune.
func mapRunes(s string, mapping func(r rune, valid bool) rune) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if m := mapping(r, r != utf8.RuneError || size > 1); m >= 0 {
			b.WriteRune(m)
		}
	}
	return b.String()
}
