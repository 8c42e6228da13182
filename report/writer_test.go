package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// wholeJSON and wholeJUnit encode the report as one document in memory,
// as Render did before the Writer: the writer must give the same
// bytes.
func wholeJSON(results []Result, opts Options) []byte {
	rep := jsonReport{Summary: Summarize(results, opts), Results: []jsonResult{}}
	for _, r := range results {
		rep.Results = append(rep.Results, newJSONResult(r))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func wholeJUnit(results []Result, opts Options) []byte {
	byAPI := map[specs.Name]*junitSuite{}
	var names []specs.Name
	doc := junitSuites{Name: "taskmock"}
	for _, r := range results {
		suite, ok := byAPI[r.Report.API]
		if !ok {
			suite = &junitSuite{Name: junitSuiteName(r.Report.API)}
			byAPI[r.Report.API] = suite
			names = append(names, r.Report.API)
		}
		tc, failed := newJUnitCase(r, opts)
		if failed {
			suite.Failures++
			doc.Failures++
		}
		suite.Cases = append(suite.Cases, tc)
		suite.Tests++
		doc.Tests++
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	for _, n := range names {
		doc.Suites = append(doc.Suites, *byAPI[n])
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic(err)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// writerCases are result lists that stress the writer: none, one, an
// unknown and a hostile API name, sources and messages with what JSON and
// XML escape, many results.
func writerCases() map[string][]Result {
	msg := "line1\nline2\r\t\x1b[31mred\x00 \xff <a href=\"x\">&amp;</a> ]]> \u2028 ok"
	warn := contract.Violation{Severity: contract.SeverityWarning, Rule: "r", Location: "/a", Message: msg}
	fail := contract.Violation{Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/b\n", Message: "m"}
	many := make([]Result, 500)
	for i := range many {
		api := specs.Oracle
		if i%3 == 0 {
			api = specs.Esri
		}
		r := Result{Source: fmt.Sprintf("traffic.har#%d", i+1), Report: contract.Report{API: api, Status: 200 + i%2}}
		if i%7 == 0 {
			r.Report.Violations = []contract.Violation{fail, warn}
		} else if i%5 == 0 {
			r.Report.Violations = []contract.Violation{warn}
		}
		many[i] = r
	}
	return map[string][]Result{
		"none":    nil,
		"one":     {{Source: "a.json", Report: contract.Report{API: specs.Esri}}},
		"odd API": {{Source: "b\"<&>.json", Report: contract.Report{API: `x"<&>'` + "\t", Violations: []contract.Violation{warn}}}, {Source: "c", Report: contract.Report{Violations: []contract.Violation{fail}}}},
		"many":    many,
	}
}

func TestReportWriterMatchesWholeDocument(t *testing.T) {
	for name, results := range writerCases() {
		for _, strict := range []bool{false, true} {
			for _, tempFiles := range []bool{false, true} {
				opts := Options{Strict: strict, TempFiles: tempFiles}
				t.Run(fmt.Sprintf("%s/strict=%v/tempfiles=%v", name, strict, tempFiles), func(t *testing.T) {
					t.Setenv("TMPDIR", t.TempDir())
					for format, want := range map[Format][]byte{FormatJSON: wholeJSON(results, opts), FormatJUnit: wholeJUnit(results, opts)} {
						var b bytes.Buffer
						rw, err := NewWriter(&b, format, opts)
						require.NoError(t, err)
						for _, r := range results {
							require.NoError(t, rw.Add(r))
						}
						require.NoError(t, rw.Close())
						require.NoError(t, rw.Remove())
						assert.Equal(t, string(want), b.String(), format)
						assert.Equal(t, Summarize(results, opts), rw.Summary())
						entries, err := os.ReadDir(os.Getenv("TMPDIR"))
						require.NoError(t, err)
						assert.Empty(t, entries, "spools removed")
					}
				})
			}
		}
	}
}

// TestReportWriterText: the text format writes each result's lines as it
// is added, before the next result, and the summary on close.
func TestReportWriterText(t *testing.T) {
	var b bytes.Buffer
	rw, err := NewWriter(&b, FormatText, Options{})
	require.NoError(t, err)
	defer rw.Remove()
	bad := Result{Source: "bad.json", Report: contract.Report{Violations: []contract.Violation{{Severity: contract.SeverityError, Rule: "r", Location: "/a", Message: "m"}}}}
	require.NoError(t, rw.Add(Result{Source: "ok.json"}))
	assert.Empty(t, b.String())
	require.NoError(t, rw.Add(bad))
	assert.Equal(t, "bad.json: error /a r: m\n", b.String())
	require.NoError(t, rw.Close())
	assert.Equal(t, "bad.json: error /a r: m\nchecked 2 responses: 1 passed, 1 failed (1 error, 0 warnings)\n", b.String())
}

// TestReportWriterRemoveWithoutClose: spools are removed when the report
// is abandoned half-way (an error, an interrupt).
func TestReportWriterRemoveWithoutClose(t *testing.T) {
	for _, format := range []Format{FormatJSON, FormatJUnit} {
		t.Run(string(format), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			rw, err := NewWriter(&bytes.Buffer{}, format, Options{TempFiles: true})
			require.NoError(t, err)
			for _, r := range writerCases()["many"] {
				require.NoError(t, rw.Add(r))
			}
			entries, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.NotEmpty(t, entries, "results are spooled to files")
			require.NoError(t, rw.Remove())
			require.NoError(t, rw.Remove(), "remove twice is harmless")
			entries, err = os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, entries)
		})
	}
}
