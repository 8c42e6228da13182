// Package report renders the results of contract checks (taskmock
// validate and taskmock check) in every format the tools write: text,
// JSON, JUnit XML, GitHub Actions annotations, Markdown, SARIF 2.1.0 and a
// self-contained HTML page.
//
// Render renders results held in memory; a Writer renders them one at a
// time, so that a run of any size holds one result in memory (with
// Options.TempFiles, the documents that start with counts are spooled to
// temporary files). Both give the same bytes.
//
// A Result is one checked response: where it came from (Source, and File
// and Lines for the formats that point at the line of the offending value
// as written), the validator's contract.Report, and for a live check how
// its request went (Live).
package report
