package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/taskmock/taskmock/internal/outfile"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/secrets"
)

// reportSpec is one --report FORMAT=FILE: a report written to a file
// beside the one on standard output.
type reportSpec struct {
	format report.Format
	path   string
}

// reportList is the repeatable --report FORMAT=FILE flag.
type reportList struct{ specs []reportSpec }

func (l *reportList) String() string { return "" }

func (l *reportList) Set(s string) error {
	name, path, ok := strings.Cut(s, "=")
	f := report.Format(strings.TrimSpace(name))
	switch {
	case !ok || path == "":
		return fmt.Errorf("expected FORMAT=FILE, such as sarif=contract.sarif")
	case !slices.Contains(report.Formats(), f):
		return fmt.Errorf("unknown format %q: %s", name, choices(report.Formats()))
	}
	for _, o := range l.specs {
		if filepath.Clean(o.path) == filepath.Clean(path) {
			return fmt.Errorf("%s is given twice", path)
		}
	}
	l.specs = append(l.specs, reportSpec{format: f, path: path})
	return nil
}

// has tells whether a report of format is asked for, on standard output
// (main) or in a file.
func (l *reportList) has(main report.Format, formats ...report.Format) bool {
	for _, f := range formats {
		if main == f || slices.ContainsFunc(l.specs, func(s reportSpec) bool { return s.format == f }) {
			return true
		}
	}
	return false
}

// reportFile is a report being written through package outfile: an
// interrupted run leaves no torn report, an earlier one stays until
// replaced, and a link, device or pipe (/dev/stdout) is written through,
// never replaced.
type reportFile struct {
	spec reportSpec
	out  *outfile.File
}

// createReportFiles starts the files of the --report flags.
func createReportFiles(specs []reportSpec) ([]*reportFile, error) {
	var files []*reportFile
	for _, s := range specs {
		out, err := outfile.Create(s.path, ".taskmock-report-*")
		if err != nil {
			discardReportFiles(files)
			return nil, fmt.Errorf("--report %s=%s: %w", s.format, s.path, err)
		}
		files = append(files, &reportFile{spec: s, out: out})
	}
	return files, nil
}

// commit puts the report in place.
func (f *reportFile) commit() error {
	if err := f.out.Commit(); err != nil {
		return fmt.Errorf("--report %s: %w", f.spec.path, err)
	}
	return nil
}

// discardReportFiles drops what was not committed.
func discardReportFiles(files []*reportFile) {
	for _, f := range files {
		f.out.Discard()
	}
}

// reportFan writes the same results to the report on standard output and
// to those of --report, one result at a time.
type reportFan struct {
	main  *report.Writer
	files []*reportFile
	extra []*report.Writer
}

// newReportFan makes the writers: main to w with opts, each file's with
// opts less colour and progress.
func newReportFan(w io.Writer, format report.Format, opts report.Options, files []*reportFile) (*reportFan, error) {
	main, err := report.NewWriter(w, format, opts)
	if err != nil {
		return nil, err
	}
	fan := &reportFan{main: main, files: files}
	fopts := opts
	fopts.Color, fopts.BeforeWrite = false, nil
	for _, f := range files {
		rw, err := report.NewWriter(f.out, f.spec.format, fopts)
		if err != nil {
			fan.Remove()
			return nil, err
		}
		fan.extra = append(fan.extra, rw)
	}
	return fan, nil
}

func (f *reportFan) all() []*report.Writer { return append([]*report.Writer{f.main}, f.extra...) }

// Add writes r to every report.
func (f *reportFan) Add(r report.Result) error {
	for _, rw := range f.all() {
		if err := rw.Add(r); err != nil {
			return err
		}
	}
	return nil
}

// NotRecorded counts skipped HAR entries in every report.
func (f *reportFan) NotRecorded(n int) {
	for _, rw := range f.all() {
		rw.NotRecorded(n)
	}
}

// Summary counts the results added so far.
func (f *reportFan) Summary() report.Summary { return f.main.Summary() }

// Close ends every report and puts the files in place.
func (f *reportFan) Close() error {
	for _, rw := range f.all() {
		if err := rw.Close(); err != nil {
			return err
		}
	}
	for _, file := range f.files {
		if err := file.commit(); err != nil {
			return err
		}
	}
	return nil
}

// Remove deletes the spools, and the files not put in place.
func (f *reportFan) Remove() error {
	var errs []error
	for _, rw := range f.all() {
		errs = append(errs, rw.Remove())
	}
	discardReportFiles(f.files)
	return errors.Join(errs...)
}

// writeReportFiles renders results held in memory (check) into each
// --report file, red's secrets redacted.
func writeReportFiles(specs []reportSpec, results []report.Result, opts report.Options, red *secrets.Set) error {
	files, err := createReportFiles(specs)
	if err != nil {
		return err
	}
	defer discardReportFiles(files)
	opts.Color = false
	for _, f := range files {
		out, err := report.Render(f.spec.format, results, opts)
		if err != nil {
			return fmt.Errorf("--report %s: %w", f.spec.path, err)
		}
		if _, err := f.out.Write(red.RedactBytes(out)); err != nil {
			return fmt.Errorf("--report %s: %w", f.spec.path, err)
		}
		if err := f.commit(); err != nil {
			return err
		}
	}
	return nil
}
