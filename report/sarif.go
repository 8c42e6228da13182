package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/textutil"
)

// The sarif format: SARIF 2.1.0, the static-analysis results format code
// scanning tools read. One run; the rules are described once, in
// tool.driver.rules; each violation is one result with its ruleId, level,
// message and, where the input is a file, a physical location (the file,
// and the line of the value as written when it is known).

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		ShortDescription sarifMessage `json:"shortDescription"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId,omitempty"`
		Level     string          `json:"level"`
		Message   sarifMessage    `json:"message"`
		Locations []sarifLocation `json:"locations,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
)

// sarifResults appends r's results to b, each a JSON object followed by a
// comma-less newline (the writer joins them).
func sarifResults(r Result) []sarifResult {
	loc := func(line int) []sarifLocation {
		if r.File == "" {
			return nil
		}
		l := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(r.File)}}}
		if line > 0 {
			l.PhysicalLocation.Region = &sarifRegion{StartLine: line}
		}
		return []sarifLocation{l}
	}
	switch {
	case r.Notice != "":
		return []sarifResult{{Level: "note", Message: sarifMessage{r.Source + ": " + textutil.OneLine(r.Notice)}, Locations: loc(0)}}
	case r.Error != "":
		return []sarifResult{{Level: "error", Message: sarifMessage{r.Source + ": " + textutil.OneLine(r.Error)}, Locations: loc(0)}}
	}
	out := make([]sarifResult, 0, len(r.Report.Violations))
	for i, v := range r.Report.Violations {
		level := "error"
		if v.Severity == contract.SeverityWarning {
			level = "warning"
		}
		line := 0
		if i < len(r.Lines) {
			line = r.Lines[i]
		}
		out = append(out, sarifResult{RuleID: string(v.Rule), Level: level,
			Message: sarifMessage{resultSource(r) + " " + v.Location + ": " + textutil.OneLine(v.Message)}, Locations: loc(line)})
	}
	return out
}

// writeSARIFHead writes the log up to the results array.
func writeSARIFHead(b *bytes.Buffer) error {
	rules := make([]sarifRule, 0, len(contract.Rules()))
	for _, r := range contract.Rules() {
		rules = append(rules, sarifRule{ID: string(r), ShortDescription: sarifMessage{contract.RuleDescription(r)}})
	}
	head, err := json.MarshalIndent(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{{
		Tool: sarifTool{Driver: sarifDriver{Name: "taskmock", InformationURI: "https://github.com/taskmock/taskmock", Rules: rules}},
	}}}, "", "  ")
	if err != nil {
		return err
	}
	// Cut the document before the results, which the writer streams in.
	i := bytes.LastIndex(head, []byte(`"results": null`))
	b.Write(head[:i])
	b.WriteString(`"results": [`)
	return nil
}

// sarifURI is the URI reference SARIF requires for the file at path: each
// segment percent-encoded ("t#1 50%.json" is "t%231%2050%25.json"), a
// relative path kept relative ("./c:d.json", whose first segment would
// read as a scheme), an absolute one a file URI.
func sarifURI(path string) string {
	slashed := filepath.ToSlash(path)
	abs := filepath.IsAbs(path) || strings.HasPrefix(slashed, "/")
	segs := strings.Split(strings.TrimPrefix(slashed, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	ref := strings.Join(segs, "/")
	switch {
	case abs:
		return "file:///" + ref
	case strings.Contains(segs[0], ":"):
		return "./" + ref
	}
	return ref
}
