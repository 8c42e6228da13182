package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/browsertest"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/specs"
)

// TestHTMLInChromium opens the html report in headless Chromium: the
// offending values are highlighted in the DOM at their locations, each
// violation links to its value, the filters by severity and rule hide
// what they should, a hostile body stays text, and the page asks for
// nothing over the network. With -update the screenshot is kept as
// docs/html-report.png for the README.
func TestHTMLInChromium(t *testing.T) {
	b := browsertest.New(t)
	results := append(sampleResults(), report.Result{
		Source: "hostile.json",
		Body:   []byte(`{"id": "9", "title": "<img src=x onerror=\"window.pwned=1\">", "state": "<script>window.pwned=2</script>"}`),
		Report: contract.Report{API: specs.Oracle, Status: 200, Violations: []contract.Violation{{
			API: specs.Oracle, Severity: contract.SeverityError, Rule: contract.RuleSchemaEnum, Location: "/state",
			Message: `expected one of "ASSIGNED", found "<script>window.pwned=3</script>"`}}},
	})
	page, err := report.Render(report.FormatHTML, results, report.Options{})
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	require.NoError(t, os.WriteFile(path, page, 0o644))

	b.Open("file://" + path)
	png := filepath.Join(dir, "report.png")
	b.Screenshot(png)
	shot, err := os.ReadFile(png)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(shot, []byte("\x89PNG")), "a PNG screenshot")
	if *update {
		require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "html-report.png"), shot, 0o644))
	}

	type mark struct {
		Loc, Rules, Class, Text string
		Width                   float64
	}
	marks := browsertest.Eval[[]mark](b, `[...document.querySelectorAll("mark[data-loc]")].map(m => ({
		Loc: m.dataset.loc, Rules: m.dataset.rules, Class: m.className, Text: m.textContent,
		Width: m.getBoundingClientRect().width}))`)
	byLoc := map[string]mark{}
	for _, m := range marks {
		byLoc[m.Loc] = m
		assert.Positive(t, m.Width, "%s is drawn", m.Loc)
	}
	assert.Equal(t, "3", byLoc["/task/statusCode"].Text)
	assert.Equal(t, "sev-error", byLoc["/task/statusCode"].Class)
	assert.Equal(t, `"red"`, byLoc["/task/colour"].Text)
	assert.Equal(t, "sev-warning", byLoc["/task/colour"].Class)
	assert.Equal(t, `"https://opa.example.com/tasks/8"`, byLoc["/links/0/href"].Text)
	assert.Equal(t, `"<script>window.pwned=2</script>"`, byLoc["/state"].Text, "the hostile value is text")

	broken := browsertest.Eval[[]string](b, `[...document.querySelectorAll("a.loc")].
		filter(a => { const m = document.querySelector(a.getAttribute("href")); return !m || m.dataset.loc !== a.textContent; }).
		map(a => a.textContent)`)
	assert.Empty(t, broken, "each violation links to the mark of its location")

	visible := func() []string {
		return browsertest.Eval[[]string](b, `[...document.querySelectorAll("li.violation")].
			filter(li => li.offsetParent !== null).map(li => li.dataset.severity + " " + li.dataset.rule)`)
	}
	sections := func() []string {
		return browsertest.Eval[[]string](b, `[...document.querySelectorAll("section.response")].
			filter(s => s.offsetParent !== null).map(s => s.querySelector("h3 code").textContent)`)
	}
	assert.Len(t, visible(), 5)
	assert.Equal(t, "5 of 5 violations shown", browsertest.Eval[string](b, `document.getElementById("shown").textContent`))

	b.Click(`input[name=severity][value=warning]`)
	assert.ElementsMatch(t, []string{"error esri-status-pair", "error schema-enum", "error schema-enum"}, visible())
	assert.NotContains(t, sections(), "oracle/warn.json", "a response left without a shown violation is hidden")
	assert.Equal(t, "3 of 5 violations shown", browsertest.Eval[string](b, `document.getElementById("shown").textContent`))

	b.Click(`input[name=rule][value=schema-enum]`)
	assert.Equal(t, []string{"error esri-status-pair"}, visible())
	assert.Equal(t, []string{"tasks/t1.json"}, sections())

	b.Click(`input[name=severity][value=warning]`)
	b.Click(`input[name=rule][value=schema-enum]`)
	assert.Len(t, visible(), 5, "filters undone")

	passed := browsertest.Eval[[]string](b, `[...document.querySelectorAll("ul.passed li code")].map(c => c.textContent)`)
	assert.Equal(t, []string{"tasks/ok.json"}, passed)

	assert.True(t, browsertest.Eval[bool](b, `typeof window.pwned === "undefined"`), "no script of a body ran")
	for _, u := range b.Requests() {
		assert.True(t, strings.HasPrefix(u, "file://"), "the page asked the network for %s", u)
	}
}
