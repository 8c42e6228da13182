package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/taskmock/taskmock/specs"

	"github.com/taskmock/taskmock/internal/textutil"
)

// Writer writes a report one result at a time, so that a run holds
// no more than one result in memory whatever the number of responses.
//
// The text format goes straight to w: each result's violation lines as
// it is added, the summary line on Close; the github format likewise.
// The other documents start with counts, so each rendered result is
// spooled (in memory, or in a temporary file with Options.TempFiles) and
// the document is written on Close: the summary, then the spooled results,
// copied. The bytes are those of Render.
//
// Call Add for each result, then Close; Remove must be called in every
// case (defer it): it deletes the spools, also when Close was not reached.
type Writer struct {
	w        io.Writer
	format   Format
	opts     Options
	newSpool func() (spool, error)
	sum      Summary
	buf      bytes.Buffer // the rendering of one result

	// JSON: the results, each preceded by its separator.
	results spool
	// JUnit: the test cases of each API, and the API's counts.
	suites map[specs.Name]*junitSpool
	spools []spool // every spool made, for remove
	sarifN int     // the SARIF results written so far
	// JUnit: whether a result came from a live check (the suites then
	// have a time), and how many of those requests could not be made
	// (errors, not failures).
	live          bool
	requestErrors int
	html          htmlState // the html format's spools and counts
}

// junitSpool holds the test cases of one suite.
type junitSpool struct {
	spool
	tests, failures, errors int
	skipped                 int           // the notices: what was set aside
	time                    time.Duration // the latency of its live checks
}

// spool holds rendered results until the document is written.
type spool interface {
	io.Writer
	// contents returns what was written, from the start. It is called once,
	// after the last write.
	contents() (io.Reader, error)
	// Remove frees the spool; it may be called more than once.
	remove() error
}

// NewWriter returns a Writer of the report in format to w. It spools in
// memory, or in temporary files when opts.TempFiles is set.
func NewWriter(w io.Writer, format Format, opts Options) (*Writer, error) {
	if !slices.Contains(Formats(), format) {
		return nil, fmt.Errorf("unknown report format %q", format)
	}
	newSpool := newMemSpool
	if opts.TempFiles {
		newSpool = newFileSpool
	}
	return &Writer{w: w, format: format, opts: opts, newSpool: newSpool}, nil
}

// Add counts r and writes it: to w in the text format, else to a spool.
func (rw *Writer) Add(r Result) error {
	switch {
	case r.Notice != "":
		rw.sum.Notices++
	case r.Error != "":
		rw.sum.Unreadable++
	default:
		rw.sum.Checked++
		if r.Report.Passed(rw.opts.Strict) {
			rw.sum.Passed++
		}
		rw.sum.Errors += r.Report.Errors()
		rw.sum.Warnings += r.Report.Warnings()
	}
	first := rw.sum.Checked+rw.sum.Unreadable+rw.sum.Notices == 1
	rw.buf.Reset()
	switch rw.format {
	case FormatText:
		if r.Live != nil {
			rw.buf.WriteString(requestLine(r))
		}
		for _, v := range r.Report.Violations {
			writeViolationLine(&rw.buf, resultSource(r), v, rw.opts.Color)
		}
		if rw.buf.Len() == 0 {
			return nil
		}
		return rw.write(rw.buf.Bytes())
	case FormatGitHub:
		writeGitHub(&rw.buf, r)
		if rw.buf.Len() == 0 {
			return nil
		}
		return rw.write(rw.buf.Bytes())
	case FormatSARIF:
		results := sarifResults(r)
		if len(results) == 0 {
			return nil
		}
		if rw.results == nil {
			s, err := rw.spool()
			if err != nil {
				return err
			}
			rw.results = s
		}
		for _, sr := range results {
			if rw.sarifN > 0 {
				rw.buf.WriteByte(',')
			}
			rw.sarifN++
			rw.buf.WriteString("\n        ")
			b, err := json.MarshalIndent(sr, "        ", "  ")
			if err != nil {
				return err
			}
			rw.buf.Write(b)
		}
		_, err := rw.results.Write(rw.buf.Bytes())
		return err
	case FormatHTML:
		return rw.addHTML(r)
	case FormatMarkdown:
		if len(r.Report.Violations) == 0 && r.Error == "" && r.Notice == "" {
			return nil
		}
		if rw.results == nil {
			s, err := rw.spool()
			if err != nil {
				return err
			}
			rw.results = s
		}
		writeMarkdownRows(&rw.buf, r)
		_, err := rw.results.Write(rw.buf.Bytes())
		return err
	case FormatJSON:
		if rw.results == nil {
			s, err := rw.spool()
			if err != nil {
				return err
			}
			rw.results = s
		}
		if !first {
			rw.buf.WriteByte(',')
		}
		rw.buf.WriteString("\n    ")
		enc := json.NewEncoder(&rw.buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("    ", "  ")
		if err := enc.Encode(newJSONResult(r)); err != nil {
			return err
		}
		rw.buf.Truncate(rw.buf.Len() - 1) // Encode's newline
		_, err := rw.results.Write(rw.buf.Bytes())
		return err
	case FormatJUnit:
		suite, err := rw.suite(junitSuiteOf(r))
		if err != nil {
			return err
		}
		tc, failed := newJUnitCase(r, rw.opts)
		suite.tests++
		if failed {
			suite.failures++
		}
		if tc.Error != nil {
			suite.errors++
		}
		if tc.Skipped != nil {
			suite.skipped++
		}
		if r.Live != nil {
			rw.live = true
			suite.time += r.Live.Latency
			if r.Live.Error != "" {
				rw.requestErrors++
			}
		}
		rw.buf.WriteByte('\n')
		enc := xml.NewEncoder(&rw.buf)
		enc.Indent("    ", "  ")
		if err := enc.EncodeElement(tc, xml.StartElement{Name: xml.Name{Local: "testcase"}}); err != nil {
			return err
		}
		_, err = suite.Write(rw.buf.Bytes())
		return err
	}
	return nil
}

// Summary counts the results added so far.
func (rw *Writer) Summary() Summary { return rw.sum }

// NotRecorded counts n HAR entries skipped because their body was not
// saved, for the summary.
func (rw *Writer) NotRecorded(n int) { rw.sum.NotRecorded += n }

// Close writes the end of the report: the summary line of the text
// format, or the whole JSON or JUnit document.
func (rw *Writer) Close() error {
	rw.buf.Reset()
	switch rw.format {
	case FormatText:
		s := rw.sum
		line := fmt.Sprintf("checked %s: %d passed, %d failed (%s, %s)",
			textutil.Plural(s.Checked, "response"), s.Passed, s.Failed(),
			textutil.Plural(s.Errors, "error"), textutil.Plural(s.Warnings, "warning"))
		if s.NotRecorded > 0 {
			line += fmt.Sprintf("; %s skipped: body not recorded", textutil.Plural(s.NotRecorded, "HAR entry"))
		}
		if rw.opts.Color {
			c := ansiGreen
			if s.Failed() > 0 {
				c = ansiRed
			}
			line = c + line + ansiReset
		}
		rw.buf.WriteString(line)
		rw.buf.WriteByte('\n')
		return rw.write(rw.buf.Bytes())
	case FormatGitHub:
		s := rw.sum
		fmt.Fprintf(&rw.buf, "%s: checked %s: %d passed, %d failed (%s, %s)\n", rw.opts.tool(),
			textutil.Plural(s.Checked, "response"), s.Passed, s.Failed(), textutil.Plural(s.Errors, "error"), textutil.Plural(s.Warnings, "warning"))
		return rw.write(rw.buf.Bytes())
	case FormatSARIF:
		if err := writeSARIFHead(&rw.buf); err != nil {
			return err
		}
		if err := rw.write(rw.buf.Bytes()); err != nil {
			return err
		}
		if rw.results != nil {
			if err := rw.copy(rw.results); err != nil {
				return err
			}
			return rw.write([]byte("\n      ]\n    }\n  ]\n}\n"))
		}
		return rw.write([]byte("]\n    }\n  ]\n}\n"))
	case FormatHTML:
		return rw.closeHTML()
	case FormatMarkdown:
		writeMarkdownHead(&rw.buf, rw.opts.tool(), rw.sum, rw.results != nil)
		if err := rw.write(rw.buf.Bytes()); err != nil {
			return err
		}
		if rw.results != nil {
			return rw.copy(rw.results)
		}
		return nil
	case FormatJSON:
		rw.buf.WriteString("{\n  \"summary\": ")
		enc := json.NewEncoder(&rw.buf)
		enc.SetIndent("  ", "  ")
		if err := enc.Encode(rw.sum); err != nil {
			return err
		}
		rw.buf.Truncate(rw.buf.Len() - 1)
		rw.buf.WriteString(",\n  \"results\": [")
		if err := rw.write(rw.buf.Bytes()); err != nil {
			return err
		}
		if rw.results != nil {
			if err := rw.copy(rw.results); err != nil {
				return err
			}
			return rw.write([]byte("\n  ]\n}\n"))
		}
		return rw.write([]byte("]\n}\n"))
	case FormatJUnit:
		rw.buf.WriteString(xml.Header)
		fmt.Fprintf(&rw.buf, `<testsuites name="taskmock" tests="%d" failures="%d" errors="%d"`,
			rw.sum.Checked+rw.sum.Unreadable+rw.sum.Notices, rw.sum.Checked-rw.sum.Passed-rw.requestErrors, rw.sum.Unreadable+rw.requestErrors)
		names := make([]specs.Name, 0, len(rw.suites))
		var total time.Duration
		for n, s := range rw.suites {
			names = append(names, n)
			total += s.time
		}
		if rw.live {
			fmt.Fprintf(&rw.buf, ` time="%s"`, seconds(total))
		}
		rw.buf.WriteByte('>')
		slices.Sort(names)
		for _, n := range names {
			suite := rw.suites[n]
			rw.buf.WriteString("\n  <testsuite name=\"")
			_ = xml.EscapeText(&rw.buf, []byte(junitSuiteName(n))) // a bytes.Buffer does not fail
			fmt.Fprintf(&rw.buf, `" tests="%d" failures="%d" errors="%d"`, suite.tests, suite.failures, suite.errors)
			if suite.skipped > 0 {
				fmt.Fprintf(&rw.buf, ` skipped="%d"`, suite.skipped)
			}
			if rw.live {
				fmt.Fprintf(&rw.buf, ` time="%s"`, seconds(suite.time))
			}
			rw.buf.WriteByte('>')
			if err := rw.write(rw.buf.Bytes()); err != nil {
				return err
			}
			rw.buf.Reset()
			if err := rw.copy(suite); err != nil {
				return err
			}
			rw.buf.WriteString("\n  </testsuite>")
		}
		if len(names) > 0 {
			rw.buf.WriteByte('\n')
		}
		rw.buf.WriteString("</testsuites>\n")
		return rw.write(rw.buf.Bytes())
	}
	return nil
}

// remove deletes the spools. It may be called more than once.
func (rw *Writer) Remove() error {
	var errs []error
	for _, s := range rw.spools {
		errs = append(errs, s.remove())
	}
	return errors.Join(errs...)
}

func (rw *Writer) write(b []byte) error {
	if rw.opts.BeforeWrite != nil {
		rw.opts.BeforeWrite()
	}
	_, err := rw.w.Write(b)
	return err
}

// copy writes the contents of s to w.
func (rw *Writer) copy(s spool) error {
	r, err := s.contents()
	if err != nil {
		return err
	}
	if rw.opts.BeforeWrite != nil {
		rw.opts.BeforeWrite()
	}
	_, err = io.Copy(rw.w, r)
	return err
}

func (rw *Writer) spool() (spool, error) {
	s, err := rw.newSpool()
	if err != nil {
		return nil, err
	}
	rw.spools = append(rw.spools, s)
	return s, nil
}

// suite returns the spool of the test cases of api, made on first use.
func (rw *Writer) suite(api specs.Name) (*junitSpool, error) {
	if s, ok := rw.suites[api]; ok {
		return s, nil
	}
	sp, err := rw.spool()
	if err != nil {
		return nil, err
	}
	if rw.suites == nil {
		rw.suites = map[specs.Name]*junitSpool{}
	}
	s := &junitSpool{spool: sp}
	rw.suites[api] = s
	return s, nil
}

// memSpool is a spool in memory, for Render.
type memSpool struct{ bytes.Buffer }

func newMemSpool() (spool, error) { return &memSpool{}, nil }

func (s *memSpool) contents() (io.Reader, error) { return &s.Buffer, nil }
func (s *memSpool) remove() error                { s.Reset(); return nil }

// fileSpool is a spool in a temporary file (os.CreateTemp in the default
// directory, $TMPDIR), for reports of any size; remove deletes the file.
type fileSpool struct {
	f       *os.File
	w       *bufio.Writer
	removed bool
}

func newFileSpool() (spool, error) {
	f, err := os.CreateTemp("", "taskmock-report-*")
	if err != nil {
		return nil, fmt.Errorf("spooling the report: %w", err)
	}
	return &fileSpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *fileSpool) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		err = fmt.Errorf("spooling the report: %w", err)
	}
	return n, err
}

func (s *fileSpool) contents() (io.Reader, error) {
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("spooling the report: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("spooling the report: %w", err)
	}
	return s.f, nil
}

func (s *fileSpool) remove() error {
	if s.removed {
		return nil
	}
	s.removed = true
	s.f.Close()
	return os.Remove(s.f.Name())
}
