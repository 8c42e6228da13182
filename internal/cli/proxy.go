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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taskmock/taskmock/proxy"
	"github.com/taskmock/taskmock/secrets"
)

// The limits of the HTTP server of taskmock proxy. The write timeout is
// longer than serve's: it covers the real server's answer.
const (
	proxyReadHeaderTimeout = 5 * time.Second
	proxyReadTimeout       = 30 * time.Second
	proxyWriteTimeout      = 2 * time.Minute
	proxyIdleTimeout       = 60 * time.Second
	proxyMaxHeaderBytes    = 64 << 10
	proxyMaxRequestBody    = 10 << 20
	// proxyUpstreamTimeout bounds the wait for the real server's headers.
	proxyUpstreamTimeout = 60 * time.Second
	proxyShutdownGrace   = 10 * time.Second
)

// defaultProxyAddr is where taskmock proxy listens by default: loopback
// only, beside serve's port.
const defaultProxyAddr = "127.0.0.1:4011"

func proxyUsage() string {
	return `Usage:
  taskmock proxy --target URL [flags]

Proxy forwards every request to a real server of the task APIs and
validates each response of the operations the documents describe (Esri
getTask, updateTask, executeTaskJob, taskgroups/hasNextTask and
getTaskGroups; Oracle getTask, reassignTask and reassignTasks; see "taskmock
specs list") as "taskmock validate" would; other paths pass through
untouched. Point a client or a frontend at the proxy instead of
the server.

Each checked response gets a ` + proxy.HeaderViolations + ` header ("none", or the
counts and the first violations), and each violation is logged on standard
error. In enforce mode, a response that fails the contract is replaced by
a 502 whose JSON body lists the violations; a documented error answer (an
Oracle 401 or 404, an ArcGIS error envelope) is passed on when nothing else
is wrong with it. A 304 Not Modified, a 1xx and the answer to a HEAD carry
no task: they pass as the server sent them, unchecked and unrecorded.

With --record DIR, every exchange of these operations is appended to
DIR/` + proxy.HARName + ` (HAR 1.2, read by "taskmock validate DIR/` + proxy.HARName + `"), and each
getTask body that conforms is written as DIR/esri-ID.json or DIR/oracle-ID.json,
which "taskmock serve --fixtures DIR" serves. Credentials are written as
` + secrets.Redacted + ` in every recorded file: the values of the Authorization,
Proxy-Authorization, X-Esri-Authorization, Cookie, Set-Cookie, X-Auth-Token
and X-API-Key headers; the token, api_key, access_token, apikey, key, sig
and pwd parameters of the query and of the request body (form, multipart or
JSON); any header or parameter named like *token*, *secret*, *password*,
*passwd*, *api-key*, *api_key*, *apikey*, *signature*;
URL user-info; and each of their values wherever it appears, as sent,
JSON-escaped, percent-encoded or cut short. The log, the ` + proxy.HeaderViolations + ` header and the 502 of enforce
mode never quote one either.

A recording already in DIR is continued, never truncated; a ` + proxy.HARName + `
taskmock did not write is refused, and so is a second proxy recording into
DIR. The HAR file is complete after each exchange: a full disk costs the
exchange being written, and a crash in the middle of a write can leave that
one entry half written, which the next --record DIR removes (saying so). An
id with characters other than letters, digits, '.', '_' and '-' gets a file
name with those replaced by '_', plus '~' and a hash of the id.

With --anonymize, a person keeps its fake (user3) in every run of the proxy
on the same DIR: DIR/` + proxy.PeopleName + ` holds, for each id, login and
address met, a keyed hash (HMAC-SHA256) and its fake, and the key stays
outside DIR, so the recording names nobody and a guessed name cannot be
checked against it. Another key gives new fakes, numbered after the others.

Flags:
  --target URL       the real server: http or https, with an optional path
                     prefix that is put before every request's path, and no
                     user:password@ (refused: clients send their own
                     credentials, passed on) (required)
  --addr HOST:PORT   the address to listen on (default ` + defaultProxyAddr + `); port 0
                     picks a free port, printed on start
  --mode MODE        ` + choices(proxy.Modes()) + ` (default report)
  --strict           undocumented properties are errors, and a warning fails
                     a response (default false)
  --record DIR       record the exchanges and the task bodies into DIR
  --anonymize        with --record: replace personal names, user ids and
                     e-mail addresses in the recorded bodies, the same real
                     value by the same fake one, keeping each task valid,
                     also across runs on the same DIR (see below)
  --anonymize-key FILE
                     with --anonymize: the file of the secret key of the
                     fakes (default: anonymize.key in the taskmock folder of
                     the user configuration directory, ~/.config/taskmock on
                     Linux), created (mode 0600) when missing; never in DIR
  --max-body BYTES   the largest response body checked; a larger one passes
                     unchecked and says so (default ` + strconv.Itoa(proxy.DefaultMaxBody) + `)
  --log-format FORMAT
                     text or json (default text)

Examples:
  taskmock proxy --target https://gis.example.com/server/rest/services/Prod
  taskmock proxy --target https://opa.example.com --mode enforce
  taskmock proxy --target https://opa.example.com --record recorded --anonymize
  taskmock serve --fixtures recorded

Exit codes:
  0  stopped by an interrupt
  2  usage error, or the address cannot be listened on
`
}

func runProxy(e *env, args []string) error {
	const cmd = "taskmock proxy"
	fs := newFlagSet("proxy")
	target := fs.String("target", "", "")
	addr := fs.String("addr", defaultProxyAddr, "")
	mode := fs.String("mode", string(proxy.ModeReport), "")
	strict := fs.Bool("strict", false, "")
	record := fs.String("record", "", "")
	anonymize := fs.Bool("anonymize", false, "")
	anonymizeKey := fs.String("anonymize-key", "", "")
	maxBody := fs.Int64("max-body", proxy.DefaultMaxBody, "")
	logFormat := fs.String("log-format", logFormatText, "")
	pos, help, err := e.parse(fs, cmd, proxyUsage, args)
	if err != nil || help {
		return err
	}
	if len(pos) > 0 {
		return e.usageFail(cmd, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *target == "" {
		return e.usageFail(cmd, errors.New("--target is required: the URL of the real server"))
	}
	tu, err := url.Parse(*target)
	if err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" {
		return e.usageFail(cmd, fmt.Errorf("--target must be an http or https URL, got %q", shownTarget(*target)))
	}
	if tu.User != nil {
		return e.usageFail(cmd, fmt.Errorf("--target must not hold a user name or password, got %q: they would not reach the server; let the client send its own credentials (an Authorization header, a token), which the proxy passes on", shownTarget(*target)))
	}
	if !slices.Contains(proxy.Modes(), proxy.Mode(*mode)) {
		return e.usageFail(cmd, fmt.Errorf("--mode must be %s, got %q", choices(proxy.Modes()), *mode))
	}
	if *anonymize && *record == "" {
		return e.usageFail(cmd, errors.New("--anonymize needs --record DIR"))
	}
	if *anonymizeKey != "" && !*anonymize {
		return e.usageFail(cmd, errors.New("--anonymize-key needs --anonymize"))
	}
	if *maxBody < 1 {
		return e.usageFail(cmd, fmt.Errorf("--max-body must be positive, got %d", *maxBody))
	}
	handler, logs, err := e.logHandler(*logFormat)
	if err != nil {
		return e.usageFail(cmd, err)
	}
	defer logs.Close()
	logger := slog.New(handler)

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = proxyUpstreamTimeout
	defer tr.CloseIdleConnections()
	opts := []proxy.Option{proxy.WithMode(proxy.Mode(*mode)), proxy.WithStrict(*strict), proxy.WithLogger(logger),
		proxy.WithTransport(tr), proxy.WithMaxBody(*maxBody)}
	var rec *proxy.Recorder
	if *record != "" {
		var ropts []proxy.RecordOption
		switch {
		case *anonymizeKey != "":
			ropts = append(ropts, proxy.AnonymizeKeyFile(*anonymizeKey))
		case *anonymize:
			ropts = append(ropts, proxy.Anonymize())
		}
		if rec, err = proxy.NewRecorder(*record, ropts...); err != nil {
			return e.fail(cmd, ExitUsage, errors.New(strings.TrimPrefix(err.Error(), "proxy: ")))
		}
		defer rec.Close()
		if n := rec.Notice(); n != "" {
			logger.Warn(n)
		}
		opts = append(opts, proxy.WithRecorder(rec))
	}
	p, err := proxy.New(*target, opts...)
	if err != nil {
		return e.usageFail(cmd, errors.New(strings.TrimPrefix(err.Error(), "proxy: ")))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return e.fail(cmd, ExitUsage, serveListenError(*addr, err))
	}
	srv := &http.Server{
		Handler:           http.MaxBytesHandler(p, proxyMaxRequestBody),
		ReadHeaderTimeout: proxyReadHeaderTimeout,
		ReadTimeout:       proxyReadTimeout,
		WriteTimeout:      proxyWriteTimeout,
		IdleTimeout:       proxyIdleTimeout,
		MaxHeaderBytes:    proxyMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	banner := func(base string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "taskmock proxy: listening on %s (to %s, mode %s)\n", base, shownTarget(*target), *mode)
		if rec != nil {
			fmt.Fprintf(&b, "Recording into %s (%s and the task bodies", *record, proxy.HARName)
			if *anonymize {
				b.WriteString(", anonymized")
			}
			b.WriteString(")\n")
		}
		b.WriteString("Stop with Ctrl+C.\n")
		return b.String()
	}
	if err := e.runHTTP(cmd, srv, ln, banner, proxyShutdownGrace, logger); err != nil {
		return err
	}
	if rec != nil {
		if err := rec.Close(); err != nil {
			logger.Warn("the recording could not be closed", slog.String("error", err.Error()))
		}
		if err := rec.Err(); err != nil {
			logger.Warn("the recording is incomplete", slog.String("error", err.Error()))
		}
		logger.Info("recorded", slog.Int("exchanges", rec.Len()), slog.String("dir", *record))
	}
	return nil
}

// runProxyCmd runs taskmock proxy until ctx is done.
func runProxyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: stdout, stderr: stderr}
	return runProxy(e, args)
}

// shownTarget is the target as printed: without credentials or query.
func shownTarget(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	if u.Opaque != "" {
		// "alice:password@host" reads as a scheme and an opaque part.
		return secrets.RedactRawURL(u.String())
	}
	return u.String()
}
