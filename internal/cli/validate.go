package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"

	"github.com/taskmock/taskmock/internal/textutil"
)

// The values of --color.
const (
	colorAuto   = "auto"
	colorAlways = "always"
	colorNever  = "never"
)

func validateUsage() string {
	return `Usage:
  taskmock validate [flags] PATH...
  taskmock validate [flags] -

Validate checks recorded responses of the task APIs (` + choices(specs.Names()) + `) against
the embedded OpenAPI documents and the rules their vendors' documentation
implies, and prints a report.

Each PATH is a file or a directory, walked recursively. A file holds a bare
JSON body, a HAR archive, a raw HTTP response as printed by "curl -si",
NDJSON (one body per line, each reported as SOURCE:LINE, as "taskmock
fixtures" writes it) or a JSON array of bodies (reported as SOURCE#N, as
"taskmock fixtures --format json" writes it). "-" reads one input from
standard input. Flags may come before or after the paths.

A HAR entry is checked as the operation its method and URL name (see
"taskmock specs list"): Esri getTask, updateTask, executeTaskJob,
taskgroups/hasNextTask and taskgroups/getTaskGroups at any path prefix
before /TopographicProductionServer/ (in any letter case); Oracle getTask,
reassignTask and reassignTasks. Entries of other hosts, paths and
operations are skipped. A bare body is checked as getTask. The report names
an operation other than getTask after the source: "traffic.har#3
(updateTask)"; the json report has "operation" in every result.

Flags:
  --api NAME       the API of every input: ` + choices(specs.Names()) + `; in a HAR,
                   only that API's entries are checked
                   (default: detected from each input)
  --operation OP   the operation of the inputs whose request was not
                   recorded (a bare body, a raw response), such as
                   updateTask; needs --api (default getTask; a HAR entry
                   is always checked as the operation of its request)
  --name NAME      the name of standard input in the reports (default -)
  --format FORMAT  the report format: ` + choices(report.Formats()) + ` (default text)
                     text   one line per violation and a summary line
                     json   {"summary": {...}, "results": [...]}, every response
                     junit  JUnit XML, one test case per response, for CI
                     github    GitHub Actions annotations (::error file=,line=,
                               title=RULE::...), one per violation, the line
                               of the value in the input as written
                     markdown  a summary table and the violations, for
                               $GITHUB_STEP_SUMMARY or a pull-request comment
                     sarif     SARIF 2.1.0, for code scanning: one result per
                               violation, with its file and line
                     html      one self-contained page (no network): the
                               summary, filters by rule and severity, each
                               failed body pretty-printed with its offending
                               values highlighted beside their messages
  --report FORMAT=FILE
                   also write a report in FORMAT to FILE, from the same run
                   (repeatable); each file appears complete, or not at all
  --strict         undocumented properties are errors, and a warning fails
                   its response (default false)
  --baseline FILE  leave out the violations FILE accepts (by source, rule
                   and location): only new ones are reported and fail
  --write-baseline FILE
                   write the violations of this run to FILE, to accept
                   them from now on; the run then exits 0
  --ignore RULE[,RULE...]
                   leave out the violations of these rules (repeatable;
                   the ids of the README's table, such as esri-guid)
  --max-body BYTES the largest body checked: a JSON body, a raw response,
                   a HAR entry's response, an NDJSON line (default ` + strconv.Itoa(validateDefaultMaxBody) + `,
                   64 MiB); a larger one is reported as an input that could
                   not be read, and the next input (HAR entry, line) is checked
  --color WHEN     colour the text report: auto, always or never (default auto);
                   auto colours a terminal only, unless NO_COLOR is set
  --progress WHEN  show a status line on standard error, rewritten in place:
                   the bytes read of the current input, the responses
                   checked and failed so far; auto, always or never
                   (default auto); auto shows it on a terminal only
                   (not when TERM=dumb)

Memory stays bounded whatever the size of the input and the number of
responses: a HAR is read entry by entry, NDJSON line by line, a body
over --max-body is not held, the text report is written as each response
is checked, and the json and junit reports, which start with their
counts, are spooled to a temporary file ($TMPDIR) until the end. A HAR entry whose response body
was not saved (content.size > 0, no content.text) is skipped, and the
summary counts it ("body not recorded"). The HAR of "taskmock proxy
--record" is read at any moment, even after a crash of the proxy cut its
last write short: every complete entry is checked, and one warning line
on standard error says the incomplete end was set aside (it does not
change the exit code). Any other HAR that ends short is an error.

Examples:
  taskmock validate recorded/
  taskmock validate --api oracle --strict task.json
  curl -s "$URL" | taskmock validate --api esri -
  taskmock validate --format junit traffic.har > contract-report.xml

Exit codes:
  0  every response passed
  1  a response violates the contract (with --strict, a warning is enough)
  2  usage error, an input could not be read or parsed (or its body is
     over --max-body), or no response of the two APIs was found in the
     input
`
}

// validateDefaultMaxBody is the default of validate --max-body.
const validateDefaultMaxBody = contract.DefaultMaxBody

// validateMemoryLimit returns the Go runtime's soft memory limit while
// validate runs, unless GOMEMLIMIT sets one: 32 MiB, and twice the largest
// body held (160 MiB by default).
func validateMemoryLimit(maxBody int64) int64 { return 32<<20 + 2*maxBody }

// maxCarriedSecrets bounds the credentials of earlier inputs hidden in the
// later ones; each input's own are hidden whatever their number.
const maxCarriedSecrets = 1024

func runValidate(e *env, args []string) error {
	const cmd = "taskmock validate"
	fs := newFlagSet("validate")
	api := fs.String("api", "", "")
	opName := fs.String("operation", "", "")
	stdinName := fs.String("name", "-", "")
	format := fs.String("format", string(report.FormatText), "")
	strict := fs.Bool("strict", false, "")
	color := fs.String("color", colorAuto, "")
	progressMode := fs.String("progress", progressAuto, "")
	maxBody := fs.Int64("max-body", validateDefaultMaxBody, "")
	ignored := map[contract.Rule]bool{}
	fs.Func("ignore", "", func(v string) error {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !slices.Contains(contract.Rules(), contract.Rule(name)) {
				known := make([]string, 0, len(contract.Rules()))
				for _, r := range contract.Rules() {
					known = append(known, string(r))
				}
				return fmt.Errorf("unknown rule %q (known: %s)", name, strings.Join(known, ", "))
			}
			ignored[contract.Rule(name)] = true
		}
		return nil
	})
	reports := &reportList{}
	fs.Var(reports, "report", "")
	baselinePath := fs.String("baseline", "", "")
	writeBaselinePath := fs.String("write-baseline", "", "")
	paths, help, err := e.parse(fs, cmd, validateUsage, args)
	if err != nil || help {
		return err
	}
	if *maxBody < 1 {
		return e.usageFail(cmd, fmt.Errorf("--max-body must be positive, got %d", *maxBody))
	}
	var known baseline
	if *baselinePath != "" {
		if known, err = readBaseline(*baselinePath); err != nil {
			return e.usageFail(cmd, fmt.Errorf("--baseline %s: %w", *baselinePath, err))
		}
	}
	var found []baselineEntry // the violations of the run, for --write-baseline

	opts := contract.LoadOptions{MaxBody: *maxBody}
	if *api != "" {
		a, err := specs.Get(*api)
		if err != nil {
			return e.usageFail(cmd, fmt.Errorf("--api must be %s, got %q", choices(specs.Names()), *api))
		}
		opts.API = a.Name
	}
	operation := ""
	if *opName != "" {
		if *api == "" {
			return e.usageFail(cmd, errors.New("--operation needs --api"))
		}
		a, _ := specs.Get(*api)
		op, err := a.Operation(*opName)
		if err != nil {
			return e.usageFail(cmd, fmt.Errorf("--operation must be an operation of %s: %w", a.Name, err))
		}
		operation = op.ID
	}
	if !slices.Contains(report.Formats(), report.Format(*format)) {
		return e.usageFail(cmd, fmt.Errorf("--format must be %s, got %q", choices(report.Formats()), *format))
	}
	colors := []string{colorAuto, colorAlways, colorNever}
	if !slices.Contains(colors, *color) {
		return e.usageFail(cmd, fmt.Errorf("--color must be %s, got %q", choices(colors), *color))
	}
	progressModes := []string{progressAuto, progressAlways, progressNever}
	if !slices.Contains(progressModes, *progressMode) {
		return e.usageFail(cmd, fmt.Errorf("--progress must be %s, got %q", choices(progressModes), *progressMode))
	}
	if len(paths) == 0 {
		return e.usageFail(cmd, errors.New("no input: give one or more PATHs, or - for standard input"))
	}
	stdins := 0
	for _, p := range paths {
		if p == "-" {
			stdins++
		}
	}
	if stdins > 1 {
		return e.usageFail(cmd, errors.New(`"-" (standard input) can be given once only`))
	}

	v, err := contract.New(contract.Strict(*strict))
	if err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("cannot build the validator: %w", err))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// One body is held at a time (with its copy and decoded tree): the
		// soft limit keeps the garbage collector's slack from doubling it.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(validateMemoryLimit(*maxBody)))
	}
	ropts := report.Options{Strict: *strict, Color: *format == string(report.FormatText) && useColor(*color, e.stdout)}
	prog := newProgress(*progressMode, cmd, e.stderr)
	if prog != nil {
		// Every other line of stderr erases the progress line first, and
		// so does the report when it goes to the same terminal.
		ec := *e
		ec.stderr = clearingWriter{e.stderr, prog}
		e = &ec
		defer prog.clear()
	}
	ropts.TempFiles = true
	if prog != nil && isTerminal(e.stdout) {
		ropts.BeforeWrite = prog.clear
	}
	files, err := createReportFiles(reports.specs)
	if err != nil {
		return e.usageFail(cmd, err)
	}
	rw, err := newReportFan(e.stdout, report.Format(*format), ropts, files)
	if err != nil {
		discardReportFiles(files)
		return e.fail(cmd, ExitUsage, err)
	}
	defer rw.Remove()
	// Some formats place each violation at its line; html shows the body.
	placeLines := reports.has(report.Format(*format), report.FormatGitHub, report.FormatSARIF, report.FormatHTML)
	keepBody := reports.has(report.Format(*format), report.FormatHTML)
	var writeErr error
	// seen gathers the credentials of the requests (and the Set-Cookie
	// values) read so far: a response may echo a session cookie or a token
	// another entry of the recording carried.
	seen := &secrets.Set{}
	collect := func(it contract.Item) error {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		ex := it.Exchange
		if seen.Len() < maxCarriedSecrets {
			if r := ex.Request; r != nil {
				seen.AddSet(r.Secrets())
			}
			if sc := ex.Header["Set-Cookie"]; len(sc) > 0 {
				seen.AddSet(secrets.Collect("", http.Header{"Set-Cookie": sc}, nil))
			}
		}
		ex.Secrets = secrets.Union(ex.Secrets, seen)
		if ex.Request == nil {
			ex.Operation = operation
		}
		r := report.Result{Source: it.Source, Report: v.Validate(ex)}
		if it.CheckRequest {
			r.Report.Violations = append(r.Report.Violations, requestViolations(ex)...)
		}
		if len(ignored) > 0 || known != nil {
			r.Report.Violations = slices.DeleteFunc(r.Report.Violations, func(v contract.Violation) bool {
				return ignored[v.Rule] || known.accepted(it.Source, v)
			})
		}
		if rq := ex.Request; rq != nil && rq.Method != "" && rq.URL != "" {
			r.Request = rq.Method + " " + rq.Secrets().RedactURL(rq.URL)
		}
		r.File = it.File
		if keepBody && len(r.Report.Violations) > 0 && len(ex.Body) <= report.MaxBodyShown {
			r.Body = ex.Credentials().RedactBytes(ex.Body)
		}
		if it.Line != nil && placeLines {
			r.Lines = make([]int, len(r.Report.Violations))
			for i, v := range r.Report.Violations {
				r.Lines[i] = it.Line(v.Location)
			}
		}
		if *writeBaselinePath != "" {
			for _, v := range r.Report.Violations {
				found = append(found, baselineEntry{Source: it.Source, Rule: v.Rule, Location: v.Location})
			}
		}
		if err := rw.Add(r); err != nil {
			writeErr = err
			return err
		}
		prog.onResult(r.Report.Passed(*strict))
		return nil
	}
	unreadable, skipped := false, 0
	// failed reports an input that could not be read: one line on stderr,
	// and a result of the json and junit reports.
	failed := func(source string, err error) {
		unreadable = true
		hint := ""
		if _, ok := errors.AsType[*contract.BodyTooLargeError](err); ok {
			hint = "; raise --max-body to check it"
		}
		fmt.Fprintf(e.stderr, "%s: %s%s\n", cmd, textutil.OneLine(err.Error()), hint)
		msg := err.Error()
		if le, ok := errors.AsType[*contract.LoadError](err); ok && le.Err != nil {
			source, msg = le.Source, le.Err.Error()
		}
		if err := rw.Add(report.Result{Source: source, Error: msg + hint}); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	opts.OnError = func(le *contract.LoadError) {
		// A bad file inside a directory, or a HAR entry over --max-body, is
		// reported and the walk goes on.
		failed(le.Source, le)
	}
	opts.OnWarning = func(le *contract.LoadError) {
		// The torn end of a recording of taskmock proxy (the complete
		// entries were checked), a named pipe skipped in a directory: one
		// line says what was set aside, and the JSON and JUnit reports
		// carry it as a notice.
		fmt.Fprintf(e.stderr, "%s: %s\n", cmd, textutil.OneLine(le.Error()))
		source, msg := le.Source, le.Error()
		if le.Err != nil {
			msg = le.Err.Error()
		}
		if err := rw.Add(report.Result{Source: source, Notice: msg}); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if prog != nil {
		opts.OnProgress = prog.onRead
	}
	for _, p := range paths {
		var stats contract.LoadStats
		var err error
		if p == "-" {
			name := *stdinName
			if strings.TrimSpace(name) == "" {
				name = "-"
			}
			stats, err = contract.ReadStream(name, ctxReader{e.ctx, e.stdin}, opts, collect)
		} else if f, special, oerr := openSpecial(e.ctx, p); special {
			// A FIFO or a device (a named pipe, <(cmd), /dev/stdin) is
			// read like standard input, so that an interrupt stops it
			// even while no writer has opened it yet.
			err = oerr
			if f != nil {
				stats, err = contract.ReadStream(p, ctxReader{e.ctx, f}, opts, collect)
				_ = f.Close()
			} else if pe, ok := errors.AsType[*os.PathError](err); ok {
				err = &contract.LoadError{Source: p, Err: pe.Err}
			}
		} else {
			stats, err = contract.Walk(p, opts, collect)
		}
		skipped += stats.Skipped
		rw.NotRecorded(stats.NotRecorded)
		if e.ctx.Err() != nil {
			return e.fail(cmd, ExitUsage, errors.New("interrupted"))
		}
		if writeErr != nil {
			return e.fail(cmd, ExitUsage, fmt.Errorf("writing the report: %w", writeErr))
		}
		if err != nil {
			for _, le := range leafErrors(err) {
				failed(p, le)
			}
			if writeErr != nil {
				return e.fail(cmd, ExitUsage, fmt.Errorf("writing the report: %w", writeErr))
			}
		}
	}

	prog.clear()
	if err := rw.Close(); err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("writing the report: %w", err))
	}
	if err := rw.Remove(); err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("removing the spooled report: %w", err))
	}

	sum := rw.Summary()
	if *writeBaselinePath != "" && !unreadable {
		// The violations found are accepted from now on: the run passes.
		if err := writeBaseline(*writeBaselinePath, found); err != nil {
			return e.fail(cmd, ExitUsage, fmt.Errorf("--write-baseline %s: %w", *writeBaselinePath, err))
		}
		fmt.Fprintf(e.stderr, "%s: %s accepted in %s\n", cmd, textutil.Plural(len(slices.Compact(found)), "violation"), *writeBaselinePath)
		if sum.Checked > 0 {
			return nil
		}
	}
	switch {
	case unreadable:
		// Each unreadable input has had its line.
		return &ExitError{Code: ExitUsage, Err: errors.New("some inputs could not be read")}
	case sum.Checked == 0:
		msg := "no response of the two APIs found in the input"
		if skipped > 0 {
			msg += fmt.Sprintf(" (%s skipped", textutil.Plural(skipped, "HAR entry"))
			if n := sum.NotRecorded; n > 0 {
				msg += fmt.Sprintf(", %d of them: body not recorded", n)
			}
			msg += ")"
		}
		return e.fail(cmd, ExitUsage, errors.New(msg))
	case sum.Failed() > 0:
		err := fmt.Errorf("%d of %s failed the contract", sum.Failed(), textutil.Plural(sum.Checked, "response"))
		if *format == string(report.FormatText) {
			// The summary line of the report already says so.
			return &ExitError{Code: ExitViolations, Err: err}
		}
		return e.fail(cmd, ExitViolations, err)
	}
	return nil
}

// openSpecial opens path for reading when it names neither a regular
// file nor a directory (a FIFO, a device): special is then true, and f is
// nil when the open failed (err) or ctx was done first (the open, blocked
// until a writer comes, is left to the ending command).
func openSpecial(ctx context.Context, path string) (f *os.File, special bool, err error) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() || fi.IsDir() {
		return nil, false, nil // Walk reports a missing path
	}
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, true, o.err
	case <-ctx.Done():
		go func() { // close the file if the open completes later
			if o := <-done; o.f != nil {
				_ = o.f.Close()
			}
		}()
		return nil, true, nil
	}
}

// ctxReader reads from r until ctx is done, so that an interrupt stops a
// read from a terminal or a pipe that never ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// Read reads from r into p, or returns ctx.Err() as soon as ctx is done.
// A read cut short leaves its goroutine blocked on r: the command is
// ending anyway.
func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	buf := make([]byte, len(p))
	go func() {
		n, err := c.r.Read(buf)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return copy(p, buf[:r.n]), r.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}

// leafErrors flattens errors joined with errors.Join (or any error with
// Unwrap() []error) into their leaves, so that each prints as its own line.
func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var leaves []error
		for _, e := range j.Unwrap() {
			leaves = append(leaves, leafErrors(e)...)
		}
		return leaves
	}
	return []error{err}
}

// useColor decides whether the text report is coloured: always and never
// are obeyed; auto colours only a terminal, and only when NO_COLOR is
// unset or empty.
func useColor(mode string, w io.Writer) bool {
	switch mode {
	case colorAlways:
		return true
	case colorNever:
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(w)
}
