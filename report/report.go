package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"

	"github.com/taskmock/taskmock/internal/textutil"
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
	// Body is the response body as checked, credentials redacted: the
	// html format pretty-prints it (up to MaxBodyShown) with the offending
	// values highlighted. The other formats ignore it.
	Body []byte
	// Live, for an answer requested by a live check (package check), says
	// how its request went; nil for recorded inputs. The text report gives
	// each such result a line of its own, the JSON report its fields, the
	// JUnit report its time, and a request that could not be made is an
	// <error type="request"> there rather than a failure.
	Live *Live
}

// Live is how the request of a live check went.
type Live struct {
	// Latency is the time of the last attempt, the body read included.
	Latency time.Duration
	// Attempts counts the requests sent.
	Attempts int
	// Retries says why each attempt before the last was retried, and
	// Redirects lists the URLs the last attempt was redirected to, their
	// credentials redacted.
	Retries   []string
	Redirects []string
	// Error, when set, says why no answer came (redacted); the Report then
	// holds one violation saying so.
	Error string
}

// requestLine is the text report's line of a live check's request:
// "SOURCE: 200 OK in 123ms (1 retry: ...; 1 redirect: ...)".
func requestLine(r Result) string {
	l := r.Live
	var head string
	if l.Error != "" {
		head = fmt.Sprintf("request failed after %s: %s", textutil.Plural(l.Attempts, "attempt"), l.Error)
	} else {
		head = fmt.Sprintf("%d %s in %s", r.Report.Status, http.StatusText(r.Report.Status), l.Latency.Round(time.Millisecond))
	}
	var extra []string
	if len(l.Retries) > 0 {
		extra = append(extra, textutil.Plural(len(l.Retries), "retry")+": "+strings.Join(l.Retries, "; "))
	}
	if len(l.Redirects) > 0 {
		extra = append(extra, textutil.Plural(len(l.Redirects), "redirect")+": "+strings.Join(l.Redirects, ", "))
	}
	if len(extra) > 0 {
		head += " (" + strings.Join(extra, "; ") + ")"
	}
	return textutil.OneLine(r.Source) + ": " + textutil.OneLine(head) + "\n"
}

// Format is a report format of taskmock validate and check (--format).
type Format string

// The report formats.
const (
	FormatText     Format = "text"
	FormatJSON     Format = "json"
	FormatJUnit    Format = "junit"
	FormatGitHub   Format = "github"
	FormatMarkdown Format = "markdown"
	FormatSARIF    Format = "sarif"
	FormatHTML     Format = "html"
)

// Formats lists the report formats in the order the help text gives them.
func Formats() []Format {
	return []Format{FormatText, FormatJSON, FormatJUnit, FormatGitHub, FormatMarkdown, FormatSARIF, FormatHTML}
}

// Options are the settings of one rendering. The zero value renders
// without colour and counts only errors against a response.
type Options struct {
	// Strict makes a warning fail its response, as Report.Passed(true).
	Strict bool
	// Color wraps severities and the summary of the text format in ANSI
	// colour sequences. The other formats ignore it.
	Color bool
	// Tool names the run in the github format's summary line and the
	// Markdown heading; "" means "taskmock validate".
	Tool string
	// TempFiles makes a Writer spool the rendered results in temporary
	// files ($TMPDIR) rather than in memory, so that a report of any size
	// holds one result in memory. Render ignores it.
	TempFiles bool
	// BeforeWrite, when set, is called before each write of a Writer to its
	// io.Writer: a progress line on the same terminal can be erased.
	BeforeWrite func()
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
func Summarize(results []Result, opts Options) Summary {
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
// writes the same bytes one result at a time with a Writer.
func Render(format Format, results []Result, opts Options) ([]byte, error) {
	var b bytes.Buffer
	opts.TempFiles, opts.BeforeWrite = false, nil
	rw, err := NewWriter(&b, format, opts)
	if err != nil {
		return nil, err
	}
	defer rw.Remove()
	for _, r := range results {
		if err := rw.Add(r); err != nil {
			return nil, err
		}
	}
	if err := rw.Close(); err != nil {
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
func RenderText(results []Result, opts Options) []byte {
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
	fmt.Fprintf(b, "%s: %s %s %s: %s\n", textutil.OneLine(source), sev,
		orDash(textutil.OneLine(v.Location)), orDash(textutil.OneLine(string(v.Rule))), textutil.OneLine(v.Message))
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
		*jsonLive
	}
	// jsonLive is how a live check's request went.
	jsonLive struct {
		LatencyMs int64    `json:"latencyMs"`
		Attempts  int      `json:"attempts"`
		Retries   []string `json:"retries"`
		Redirects []string `json:"redirects"`
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
	if l := r.Live; l != nil {
		jr.jsonLive = &jsonLive{LatencyMs: l.Latency.Milliseconds(), Attempts: l.Attempts,
			Retries: orEmpty(l.Retries), Redirects: orEmpty(l.Redirects)}
		if l.Error != "" {
			jr.Status, jr.Error = 0, l.Error // no answer came
		}
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
func RenderJSON(results []Result, opts Options) ([]byte, error) {
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
		Time      string        `xml:"time,attr,omitempty"`
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
func newJUnitCase(r Result, opts Options) (tc junitCase, failed bool) {
	tc = junitCase{ClassName: junitSuiteName(junitSuiteOf(r)), Name: xmlText(junitName(r))}
	if r.Notice != "" {
		tc.Skipped = &junitSkipped{Message: xmlText(textutil.OneLine(r.Notice))}
		return tc, false
	}
	if r.Error != "" {
		msg := xmlText(textutil.OneLine(r.Error))
		tc.Error = &junitFailure{Message: msg, Type: "unreadable", Text: xmlText(textutil.OneLine(r.Source)) + ": " + msg + "\n"}
		return tc, false
	}
	var lines bytes.Buffer
	for _, v := range r.Report.Violations {
		writeViolationLine(&lines, resultSource(r), v, false)
	}
	if r.Live != nil {
		tc.Time = seconds(r.Live.Latency)
		if r.Live.Error != "" {
			// A request that could not be made is an error of the run,
			// not a failure of the contract.
			tc.Error = &junitFailure{Message: xmlText(textutil.OneLine(r.Live.Error)), Type: "request", Text: xmlText(lines.String())}
			return tc, false
		}
	}
	if !r.Report.Passed(opts.Strict) {
		tc.Failure = &junitFailure{
			Message: fmt.Sprintf("%s, %s", textutil.Plural(r.Report.Errors(), "error"), textutil.Plural(r.Report.Warnings(), "warning")),
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
func RenderJUnit(results []Result, opts Options) ([]byte, error) {
	return Render(FormatJUnit, results, opts)
}

// tool is the name of the run.
func (o Options) tool() string {
	if o.Tool == "" {
		return "taskmock validate"
	}
	return o.Tool
}

// seconds is a JUnit time: seconds with three decimals.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// judgedStatus is the status the validator judged the response as: 200
// when the status was unknown.
func judgedStatus(r contract.Report) int {
	if r.Status == 0 {
		return 200
	}
	return r.Status
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
	return textutil.MapRunes(s, func(r rune, valid bool) rune {
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
