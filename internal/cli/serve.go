package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"

	"github.com/taskmock/taskmock/internal/textutil"
)

// serveLimits are the limits of the HTTP server of taskmock serve, against
// slow or oversized clients.
type serveLimits struct {
	readHeaderTimeout time.Duration // a request's header must arrive within it
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	maxHeaderBytes    int // beyond it, 431 Request Header Fields Too Large
}

// defaultServeLimits are the limits of taskmock serve; tests shorten them.
func defaultServeLimits() serveLimits {
	return serveLimits{
		readHeaderTimeout: 5 * time.Second,
		readTimeout:       15 * time.Second,
		writeTimeout:      30 * time.Second,
		idleTimeout:       60 * time.Second,
		maxHeaderBytes:    64 << 10,
	}
}

// serveShutdownGrace bounds the wait for in-flight requests on shutdown.
const serveShutdownGrace = 10 * time.Second

// defaultServeAddr is where taskmock serve listens by default: loopback
// only, since the mock is for development.
const defaultServeAddr = "127.0.0.1:4010"

// demoToken is the token of the printed curl commands.
const demoToken = "demo"

// The values of --log-format.
const (
	logFormatText = "text"
	logFormatJSON = "json"
)

func serveUsage() string {
	return `Usage:
  taskmock serve [flags]

Serve runs the mock of the two task APIs, for frontends and clients that
cannot reach the real servers. Their code works against it unchanged:

  Esri    GET or form-encoded POST, at any path ending in
          ` + serveAPI(specs.Esri).OperationPath + `
          f=json, pjson, html (the default) and JSONP with callback; ArcGIS
          errors as HTTP 200 with an {"error": {...}} envelope. Beside it,
          under the same prefix: workflows/tasks/updateTask (moves the task;
          getTask shows the move), workflows/tasks/executeTaskJob,
          workflows/taskgroups/hasNextTask and getTaskGroups. A task group
          job is one story: five tasks in order, completed up to a point
  Oracle  GET /process/api/v1/tasks/{id}; links from oci-original-url or
          the request's host; errors 401, 404, 429, 500, 503 as JSON.
          POST /process/api/v1/tasks/{id}/reassign (204) and
          POST /process/api/v1/tasks/reassign (bulk, 200 with the counts)
          hand an open task to users, groups or roles: GET then shows the
          new assignee or candidates, substate REASSIGNED, the comment and
          who did it (the user of the bearer token). The links comments,
          documents, payload and the task list answer 501 (Oracle does not
          document them)

Tasks are generated: realistic, consistent, in the language of
Accept-Language. The same ids give the same task for a given --seed and
--now. On start, serve prints the URLs of both APIs with curl commands that
work as printed. It logs one line per request on standard error and stops
on an interrupt (Ctrl+C, SIGTERM) once the requests in flight are answered
(waiting at most ` + serveShutdownGrace.String() + `).

A request chooses its answer with a Prefer header or a __name query
parameter (the query wins; one given twice with different values is
refused):
  Prefer: code=404           a documented error (Esri also 498, 499, ...)
  Prefer: example=seed       the reference page's example, with the ids asked
  Prefer: status=completed   an Esri task status; for Oracle state=COMPLETED,
                             substate=..., priority=1..3
  Prefer: delay=300ms        wait before answering (at most 20s; with
                             --latency, at most 30s in all: the wait is
                             not counted in the 30s write timeout, so a
                             delayed answer is always written whole)
  Prefer: scenario=progress  successive polls move the task along: Esri
                             from where its job has it to inProgress and
                             completed; Oracle on from where its story is,
                             never back: UNASSIGNED, ASSIGNED (CLAIMED),
                             COMPLETED by whom claimed it (an ended task
                             stays); a plain GET then shows where the polls
                             left it
A control the mock cannot honour is answered with a Taskmock-Error header
(Esri: an ArcGIS 400 envelope; Oracle: HTTP 400).

Flags:
  --addr HOST:PORT       the address to listen on (default ` + defaultServeAddr + `);
                         port 0 picks a free port, printed on start
  --seed N               the seed of the tasks (default ` + fmt.Sprint(mockserver.DefaultSeed) + `)
  --now RFC3339          the time the tasks are generated at, from
                         0002-01-01T00:00:00Z to 9998-12-31T23:59:59Z
                         (dates lie up to a year around it); default: the
                         start of the current UTC day, so tasks stay the
                         same across restarts within a day
  --log-format FORMAT    the format of the request log on standard error:
                         text or json (default text); lines are written in
                         batches, at most 100ms after their request
  --require-auth         ask for a token: Esri answers 499 "Token Required"
                         without one, Oracle 401 without a well-formed
                         Authorization: Bearer header; the token "` + mockserver.ExpiredToken + `"
                         is refused (Esri 498, Oracle 401)
  --revoked TOKENS       more tokens to refuse, comma-separated (implies
                         --require-auth)
  --cors-origin ORIGINS  the origins that may call the two APIs from a
                         browser, comma-separated or repeated, such as
                         http://localhost:5173 (default: any origin); a
                         preflight is granted the headers it asks for.
                         Nothing under /__taskmock/ is ever granted
  --self-check           validate every answer under the contract as it is
                         sent, and log any violation (there must be none)

Tasks that stay put:
  --fixtures DIR|FILE    serve the task files of DIR (*.json, as written by
                         "taskmock fixtures --out DIR" or recorded from a real
                         server) for their ids: an Oracle task's id, an Esri
                         task's taskOperationId; every file is validated on
                         start, and an invalid one stops the server
                         (repeatable). Only regular files inside DIR of at
                         most 1 MiB are read (links followed while they stay
                         inside DIR); any other *.json is skipped with a
                         warning. FILE.ndjson (or .jsonl) holds one task per
                         line, as "taskmock fixtures" writes to standard
                         output (at most 10,000 tasks, 64 MiB)
  --admin                turn on the admin API under /__taskmock/:
                         GET tasks, GET|PUT|DELETE tasks/{esri|oracle}/{id},
                         POST reset (a PUT task is validated first). It
                         answers a loopback client whose Host is localhost,
                         127.0.0.1 or [::1] (any port); PUT, DELETE and POST
                         also need the header Taskmock-Admin: 1. Anything
                         else gets 403, and no web page is given CORS:
                           curl -X POST -H 'Taskmock-Admin: 1' \
                             http://127.0.0.1:4010/__taskmock/reset
  --admin-max-tasks N    the admin API keeps at most N tasks (default 1000)
  --admin-max-mb N       and at most N MiB of task JSON (default 4); beyond
                         either, a PUT evicts the tasks stored longest ago
                         and names them in a Taskmock-Evicted header (at
                         most 1 KiB of names, then "and N more")

Dashboard:
  http://127.0.0.1:4010/__taskmock/ shows, in a browser on this machine,
  the request journal live (each request and its answer), the tasks the
  mock holds or was asked for with their state, each as the API serves
  it; with --admin, it forces the next answer of a task (a code, a state
  or status, a delay), edits a task's JSON (validated, violations shown
  beside the fields) and resets one task or everything.

Request journal:
  --journal N            keep the last N exchanges in the request journal
                         (default ` + fmt.Sprint(mockserver.DefaultJournalSize) + `; 0 turns it off): time, method,
                         path and query, headers, the response chosen,
                         status, latency, the task's api and id, any
                         --self-check violation, and the bodies (a request
                         body of at most 64 KiB, larger ones by size only;
                         the first 64 KiB of a response), credentials
                         redacted; at most 8 MiB in all, oldest dropped
                         first. Nothing under /__taskmock/ is journaled.
                         Read it as the admin API is called, from this
                         machine only (no --admin needed):
                           curl 'http://127.0.0.1:4010/__taskmock/requests?method=POST&limit=10'
                           curl -X DELETE -H 'Taskmock-Admin: 1' \
                             http://127.0.0.1:4010/__taskmock/requests
                         GET takes method, path (a prefix), status (404 or
                         4xx), since (RFC 3339), limit (1 to 1000, default
                         100), after and before (seq numbers); newest first

Chaos, for resilience tests (the APIs only, not the health check):
  --latency D            delay every answer by D (50ms), or by a random
                         duration in a range (20ms..400ms); at most 10s,
                         on top of any Prefer: delay
  --error-rate P         fail a share P of the requests (0.05 is 5%) with a
                         documented error: Oracle 429, 500 or 503, Esri an
                         ArcGIS 500 envelope; Prefer: code=N still wins
  --rate-limit N/PERIOD  allow N requests per period (20/s, 300/m, 5/100ms);
                         beyond, Oracle 429 and an Esri 429 envelope, both
                         with Retry-After

Examples:
  taskmock serve
  taskmock serve --addr 127.0.0.1:0 --seed 42 --now 2026-01-01T00:00:00Z
  taskmock serve --require-auth --revoked old-token --log-format json
  taskmock serve --cors-origin http://localhost:5173
  taskmock serve --latency 20ms..400ms --error-rate 0.05 --rate-limit 20/s
  taskmock serve --fixtures testdata/tasks --admin
  curl -H 'Prefer: code=429' -i http://127.0.0.1:4010/process/api/v1/tasks/42

Memory: the admin API's tasks, the scenarios' progress and the journal are
bounded (the oldest evicted first), and the Go runtime's soft memory limit is
20 MiB plus twice --admin-max-mb, and 8 MiB more with the journal on (36 MiB
by default), unless the environment sets GOMEMLIMIT.

Exit codes:
  0  stopped by an interrupt
  2  usage error, an invalid fixture, or the address cannot be listened on
`
}

// serveMemoryLimit returns the Go runtime's soft memory limit while serve
// runs, unless GOMEMLIMIT sets one: 20 MiB, twice the admin API's bound (a
// stored task takes about twice its JSON's size in memory), and the
// journal's bound when it is on (it holds far less in practice: 1,000
// exchanges of generated tasks take about 5 MiB).
func serveMemoryLimit(adminMaxMB int, journal bool) int64 {
	mb := int64(20 + 2*adminMaxMB)
	if journal {
		mb += mockserver.JournalMaxBytes >> 20
	}
	return mb << 20
}

// runServe runs taskmock serve until ctx is done.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runServeLimits(ctx, args, stdout, stderr, defaultServeLimits())
}

// runServeLimits is runServe with the HTTP server's limits.
func runServeLimits(ctx context.Context, args []string, stdout, stderr io.Writer, limits serveLimits) error {
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: stdout, stderr: stderr}
	return e.serveLimits(args, limits)
}

func (e *env) serve(args []string) error { return e.serveLimits(args, defaultServeLimits()) }

func (e *env) serveLimits(args []string, limits serveLimits) error {
	const cmd = "taskmock serve"
	fs := newFlagSet("serve")
	addr := fs.String("addr", defaultServeAddr, "")
	seed := fs.Uint64("seed", mockserver.DefaultSeed, "")
	now := fs.String("now", "", "")
	logFormat := fs.String("log-format", logFormatText, "")
	requireAuth := fs.Bool("require-auth", false, "")
	latency := fs.String("latency", "", "")
	errorRate := fs.Float64("error-rate", 0, "")
	rateLimit := fs.String("rate-limit", "", "")
	selfCheck := fs.Bool("self-check", false, "")
	admin := fs.Bool("admin", false, "")
	adminMaxTasks := fs.Int("admin-max-tasks", mockserver.DefaultMaxStoredTasks, "")
	adminMaxMB := fs.Int("admin-max-mb", mockserver.DefaultMaxStoredBytes>>20, "")
	journal := fs.Int("journal", mockserver.DefaultJournalSize, "")
	var fixtureDirs []string
	fs.Func("fixtures", "", func(s string) error {
		fixtureDirs = append(fixtureDirs, s)
		return nil
	})
	var revoked, origins []string
	fs.Func("revoked", "", func(s string) error {
		revoked = append(revoked, serveList(s)...)
		return nil
	})
	fs.Func("cors-origin", "", func(s string) error {
		origins = append(origins, serveList(s)...)
		return nil
	})
	pos, help, err := e.parse(fs, cmd, serveUsage, args)
	if err != nil || help {
		return err
	}
	if len(pos) > 0 {
		return e.usageFail(cmd, fmt.Errorf("unexpected argument %q", pos[0]))
	}

	handler, logs, err := e.logHandler(*logFormat)
	if err != nil {
		return e.usageFail(cmd, err)
	}
	defer logs.Close()
	logger := slog.New(handler)

	opts := []mockserver.Option{mockserver.WithSeed(*seed), mockserver.WithLogger(logger)}
	anchor := time.Now().UTC().Truncate(24 * time.Hour)
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return e.usageFail(cmd, fmt.Errorf("--now must be an RFC 3339 time such as 2026-01-01T00:00:00Z, got %q", *now))
		}
		if err := fixtures.CheckClock(t); err != nil {
			return e.usageFail(cmd, nowRangeError(*now))
		}
		anchor = t.UTC()
	}
	opts = append(opts, mockserver.WithClock(func() time.Time { return anchor }))
	if *requireAuth || len(revoked) > 0 {
		opts = append(opts, mockserver.WithRequireAuth(revoked...))
	}
	if len(origins) > 0 {
		opts = append(opts, mockserver.WithCORSOrigin(origins...))
	}
	if *latency != "" {
		lo, hi, err := serveLatency(*latency)
		if err != nil {
			return e.usageFail(cmd, fmt.Errorf("--latency must be a duration such as 50ms or a range such as 20ms..400ms, got %q", *latency))
		}
		opts = append(opts, mockserver.WithLatency(lo, hi))
	}
	if *errorRate < 0 || *errorRate > 1 {
		return e.usageFail(cmd, fmt.Errorf("--error-rate must be a share from 0 to 1 such as 0.05, got %v", *errorRate))
	}
	if *errorRate != 0 {
		opts = append(opts, mockserver.WithErrorRate(*errorRate))
	}
	if *rateLimit != "" {
		n, per, err := serveRate(*rateLimit)
		if err != nil {
			return e.usageFail(cmd, fmt.Errorf("--rate-limit must be requests per period such as 20/s, 300/m or 5/100ms, got %q", *rateLimit))
		}
		opts = append(opts, mockserver.WithRateLimit(n, per))
	}
	if *selfCheck {
		opts = append(opts, mockserver.WithSelfCheck())
	}
	if *admin {
		opts = append(opts, mockserver.WithAdmin())
	}
	if *adminMaxTasks < 1 {
		return e.usageFail(cmd, fmt.Errorf("--admin-max-tasks must be a positive number of tasks, got %d", *adminMaxTasks))
	}
	if *adminMaxMB < 1 || *adminMaxMB > 1<<20 {
		return e.usageFail(cmd, fmt.Errorf("--admin-max-mb must be a number of MiB from 1 to %d, got %d", 1<<20, *adminMaxMB))
	}
	opts = append(opts, mockserver.WithStoreLimits(*adminMaxTasks, *adminMaxMB<<20))
	if *journal < 0 {
		return e.usageFail(cmd, fmt.Errorf("--journal must be a number of exchanges, 0 to turn the journal off, got %d", *journal))
	}
	opts = append(opts, mockserver.WithJournal(*journal))
	for _, dir := range fixtureDirs {
		fi, err := os.Stat(dir)
		ndjson := strings.HasSuffix(strings.ToLower(dir), ".ndjson") || strings.HasSuffix(strings.ToLower(dir), ".jsonl")
		if err != nil || (!fi.IsDir() && !(ndjson && fi.Mode().IsRegular())) {
			return e.fail(cmd, ExitUsage, fmt.Errorf("--fixtures %s: not a directory or an NDJSON file (*.ndjson, *.jsonl)", dir))
		}
		opts = append(opts, mockserver.WithFixtures(dir))
	}
	mock, err := mockserver.New(opts...)
	if err != nil {
		// One line per invalid fixture file, or one for invalid flags.
		leaves := leafErrors(err)
		for _, le := range leaves[:len(leaves)-1] {
			fmt.Fprintf(e.stderr, "%s: %s\n", cmd, textutil.OneLine(strings.TrimPrefix(le.Error(), "mockserver: ")))
		}
		last := errors.New(strings.TrimPrefix(leaves[len(leaves)-1].Error(), "mockserver: "))
		if len(fixtureDirs) > 0 && strings.HasPrefix(last.Error(), "fixture") {
			return e.fail(cmd, ExitUsage, last)
		}
		return e.usageFail(cmd, last)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return e.fail(cmd, ExitUsage, serveListenError(*addr, err))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The stores are bounded (mockserver's doc, "Memory"); the soft limit
		// keeps the garbage collector's slack from doubling the heap.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(serveMemoryLimit(*adminMaxMB, *journal > 0)))
	}
	srv := &http.Server{
		Handler:           mock,
		ReadHeaderTimeout: limits.readHeaderTimeout,
		ReadTimeout:       limits.readTimeout,
		WriteTimeout:      limits.writeTimeout,
		IdleTimeout:       limits.idleTimeout,
		MaxHeaderBytes:    limits.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	banner := func(base string) string {
		return serveBanner(bannerInfo{base: base, seed: *seed, anchor: anchor, auth: *requireAuth || len(revoked) > 0, fixtures: fixtureDirs, admin: *admin, journal: *journal > 0})
	}
	return e.runHTTP(cmd, srv, ln, banner, serveShutdownGrace, logger)
}

// logHandler returns the request log handler of --log-format, text or
// json, writing to stderr through a logWriter that the caller closes.
func (e *env) logHandler(format string) (slog.Handler, *logWriter, error) {
	var h func(io.Writer, *slog.HandlerOptions) slog.Handler
	switch format {
	case logFormatText:
		h = func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(w, o) }
	case logFormatJSON:
		h = func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(w, o) }
	default:
		return nil, nil, fmt.Errorf("--log-format must be %s, got %q", choices([]string{logFormatText, logFormatJSON}), format)
	}
	lw := newLogWriter(e.stderr, logFlushEvery)
	return h(lw, nil), lw, nil
}

// runHTTP serves srv on ln, prints the banner for the listener's base URL,
// and when the context is done shuts the server down gracefully, waiting at
// most grace for the requests in flight. It is the life of both serve and
// proxy.
func (e *env) runHTTP(cmd string, srv *http.Server, ln net.Listener, banner func(base string) string, grace time.Duration, logger *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://" + serveHost(ln.Addr())
	if err := e.print(banner(base)); err != nil {
		_ = srv.Close()
		return err
	}

	select {
	case err := <-served:
		return e.fail(cmd, ExitUsage, fmt.Errorf("serving on %s: %w", base, err))
	case <-e.ctx.Done():
	}
	logger.Info("shutting down", slog.Duration("grace", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("requests still in flight were cut", slog.String("error", err.Error()))
		_ = srv.Close()
	}
	<-served
	return nil
}

// serveListenError explains why addr cannot be listened on, in one line.
func serveListenError(addr string, err error) error {
	msg := err.Error()
	if se, ok := errors.AsType[*os.SyscallError](err); ok {
		msg = se.Err.Error()
	} else if oe, ok := errors.AsType[*net.OpError](err); ok && oe.Err != nil {
		msg = oe.Err.Error()
	}
	hint := ""
	if strings.Contains(msg, "address already in use") {
		hint = " (another server uses the port: choose another with --addr, or port 0 for any free one)"
	}
	return fmt.Errorf("cannot listen on %s: %s%s", addr, msg, hint)
}

// serveHost returns host:port of a listener for a URL that works from
// this machine: an unspecified address (0.0.0.0, ::) becomes 127.0.0.1.
func serveHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// bannerInfo is what the start banner tells.
type bannerInfo struct {
	base     string // http://host:port
	seed     uint64
	anchor   time.Time
	auth     bool
	fixtures []string
	admin    bool
	journal  bool
}

// serveBanner is what serve prints on start: the URLs of both APIs as
// curl commands that work as printed.
func serveBanner(info bannerInfo) string {
	base := info.base
	q := url.Values{
		"f":               {"pjson"},
		"taskGroupJobId":  {mockserver.ExampleTaskGroupJobID},
		"taskOperationId": {mockserver.ExampleTaskOperationID},
	}
	if info.auth {
		q.Set("token", demoToken)
	}
	esri := base + mockserver.EsriPath + "?" + q.Encode()
	oracle := base + mockserver.OraclePrefix + mockserver.ExampleOracleTaskID
	var b strings.Builder
	fmt.Fprintf(&b, "taskmock serve: listening on %s (seed %d, tasks as of %s)\n\n", base, info.seed, info.anchor.Format(time.RFC3339))
	fmt.Fprintf(&b, "%s\n", serveAPI(specs.Esri).Title)
	fmt.Fprintf(&b, "  curl %s\n", serveQuote(esri))
	fmt.Fprintf(&b, "  (any path ending in %s; without f=pjson, a browser shows the HTML page)\n\n", serveAPI(specs.Esri).OperationPath)
	fmt.Fprintf(&b, "%s\n", serveAPI(specs.Oracle).Title)
	fmt.Fprintf(&b, "  curl -H %s %s\n", serveQuote("Authorization: Bearer "+demoToken), serveQuote(oracle))
	fmt.Fprintf(&b, "  curl -i -H %s -H %s %s\n\n", serveQuote("Authorization: Bearer "+demoToken), serveQuote("Prefer: code=404"), serveQuote(oracle))
	for _, dir := range info.fixtures {
		fmt.Fprintf(&b, "Fixtures: the tasks of %s\n", dir)
	}
	dash := "Dashboard: " + base + mockserver.DashboardPath + " (this machine only"
	if !info.admin {
		dash += "; read-only: --admin turns on its controls"
	}
	fmt.Fprintf(&b, "%s)\n", dash)
	if info.admin {
		fmt.Fprintf(&b, "Admin API: curl %s\n", serveQuote(base+mockserver.AdminPrefix+"tasks"))
	}
	if info.journal {
		fmt.Fprintf(&b, "Request journal: curl %s\n", serveQuote(base+mockserver.JournalPath))
	}
	fmt.Fprintf(&b, "Health: %s%s\n", base, mockserver.HealthPath)
	b.WriteString("Stop with Ctrl+C.\n")
	return b.String()
}

// serveLatency parses --latency: a duration, or a range MIN..MAX.
func serveLatency(s string) (lo, hi time.Duration, err error) {
	a, b, isRange := strings.Cut(s, "..")
	if lo, err = time.ParseDuration(strings.TrimSpace(a)); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	hi, err = time.ParseDuration(strings.TrimSpace(b))
	return lo, hi, err
}

// serveRate parses --rate-limit: N/UNIT with UNIT s, m (or min), h, or a
// duration such as 100ms.
func serveRate(s string) (int, time.Duration, error) {
	count, unit, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, errors.New("no period")
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n <= 0 {
		return 0, 0, errors.New("bad count")
	}
	switch unit = strings.TrimSpace(unit); unit {
	case "s":
		return n, time.Second, nil
	case "m", "min":
		return n, time.Minute, nil
	case "h":
		return n, time.Hour, nil
	}
	per, err := time.ParseDuration(unit)
	if err != nil || per <= 0 {
		return 0, 0, errors.New("bad period")
	}
	return n, per, nil
}

// serveQuote quotes s for a POSIX shell.
func serveQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// serveList splits a comma-separated flag value, dropping empty items.
func serveList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// serveAPI returns a registered API; the names are constants of specs.
func serveAPI(name specs.Name) specs.API {
	api, err := specs.Get(string(name))
	if err != nil {
		panic(err)
	}
	return api
}
