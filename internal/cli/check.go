package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/reqcheck"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// The defaults and bounds of taskmock check.
const (
	checkDefaultTimeout     = 30 * time.Second
	checkDefaultRetries     = 2
	checkDefaultBackoff     = 500 * time.Millisecond
	checkDefaultConcurrency = 4
	checkDefaultMaxBody     = 32 << 20
	// checkMaxWait caps one wait between two attempts, whatever Retry-After
	// asks.
	checkMaxWait = 30 * time.Second
	// checkMaxRedirects is how many redirects one request follows.
	checkMaxRedirects = 5
)

// The environment variables that carry secrets, so that they stay out of
// shell history and CI logs.
const (
	envToken         = "TASKMOCK_TOKEN"
	envAuthorization = "TASKMOCK_AUTHORIZATION"
)

// The rules check adds to the validator's: a response that could not be
// judged.
const (
	ruleRequestFailed contract.Rule = "request-failed"
	ruleBodyTooLarge  contract.Rule = "body-too-large"
)

func checkUsage() string {
	return `Usage:
  taskmock check --api esri --base-url URL --task-group-job-id ID --task-operation-id ID [flags]
  taskmock check --api oracle --base-url URL --id ID [--id ID ...] [flags]
  taskmock check --api esri --operation OP --base-url URL [ids] [--param NAME=VALUE ...] [flags]
  taskmock check --api oracle --operation OP --base-url URL [--id ID ...] --body FILE [flags]

Check sends real requests to a server of one of the task APIs (` + choices(specs.Names()) + `)
and validates the answers exactly like "taskmock validate": the same rules,
report formats and exit codes. Use it in CI to notice when a real server
drifts from the documented contract.

An Esri answer of HTTP 200 with an {"error": {...}} body fails and shows the
server's code and message; an Oracle 401 says the credentials were refused.
The report gives each request's status and latency, its retries and
redirects.

Target:
  --api NAME                 the API: ` + choices(specs.Names()) + ` (required)
  --operation OP             the operation to call (default getTask):
                               esri:   ` + checkOperations(specs.Esri) + `
                               oracle: ` + checkOperations(specs.Oracle) + `
                             getTask, hasNextTask and getTaskGroups only
                             read; the others change the server's state, so
                             they are called only when named here, and a
                             connection error is not retried (the request
                             may have been applied). Every request is
                             checked against the operation's documentation
                             before it is sent: a bad one is a usage error
  --base-url URL             the service root, such as
                             https://host/arcgis/rest/services/Svc (Esri: the
                             tool appends the operation's path, such as
                             ` + serveAPI(specs.Esri).OperationPath + `)
                             or https://host (Oracle: /process/api/v1/tasks/ID);
                             a full operation URL is taken as it is (required)

Esri:
  --task-group-job-id ID     the taskGroupJobId parameter (required for
                             getTask, updateTask, hasNextTask, executeTaskJob)
  --task-operation-id ID     the taskOperationId parameter (required for
                             getTask and updateTask)
  --param NAME=VALUE         another parameter of the operation (repeatable),
                             such as status=2 and onFailureCancelTasks=true
                             (updateTask), productName=... and
                             productVersion=... (executeTaskJob), name=...
                             (getTaskGroups); every request is checked
                             against the operation's documented parameters
                             before it is sent
  --token TOKEN              the ArcGIS token, sent as the token parameter
                             (default: $` + envToken + `)
  --method METHOD            GET (parameters in the query) or POST (a
                             form-encoded body, as the ArcGIS JavaScript
                             client sends) (default GET)

Oracle:
  --id ID                    a task id (repeatable)
  --ids-from FILE            read task ids from FILE, one a line; blank lines
                             and lines starting with # are skipped; - reads
                             standard input
  --total-results-grouped    ask for the child task counts
  --lang TAG                 the Accept-Language header, such as de-DE
  --token TOKEN              sent as Authorization: Bearer TOKEN when no
                             Authorization is given (default: $` + envToken + `)
  --body FILE                the JSON request body of reassignTask (sent for
                             every --id) and reassignTasks (whose taskIds it
                             holds; no --id); - reads standard input;
                             checked against the documented schema before
                             it is sent

Requests:
  --header 'Name: value'     add a header to every request (repeatable)
  --timeout D                the time one attempt may take, body included
                             (default ` + checkDefaultTimeout.String() + `)
  --retries N                retry a 429, a 503 (Esri: also an ArcGIS error
                             envelope with code 429 or 503) or a connection
                             error up to N
                             times (default ` + strconv.Itoa(checkDefaultRetries) + `), waiting as Retry-After says
                             (seconds or an HTTP date) or else --backoff,
                             doubled each time; one wait is at most ` + checkMaxWait.String() + `
  --backoff D                the first wait between attempts (default ` + checkDefaultBackoff.String() + `)
  --concurrency N            requests in flight at once (default ` + strconv.Itoa(checkDefaultConcurrency) + `)
  --max-body BYTES           the largest body read; a larger one fails its
                             response (default ` + strconv.Itoa(checkDefaultMaxBody) + `, 32 MiB)
  --ca-file FILE             trust the PEM certificates of FILE as well as the
                             system's
  --insecure                 do not verify the server's TLS certificate
  Redirects are followed up to ` + strconv.Itoa(checkMaxRedirects) + ` times and reported.

Report:
  --format FORMAT            ` + choices(Formats()) + ` (default text); json adds
                             latencyMs, attempts, redirects and error to each
                             result
  --strict                   undocumented properties are errors, and a warning
                             fails its response (default false)
  --color WHEN               auto, always or never (default auto)

Secrets:
  The token is --token, else $` + envToken + `. The Authorization header is a
  --header 'Authorization: ...', else $` + envAuthorization + ` (the whole value,
  such as "Bearer eyJ..."), else, for Oracle, "Bearer " and the token.
  A user name and password in --base-url (https://user:pass@host/...) are
  sent as Authorization: Basic, for both APIs; they cannot be combined with
  another Authorization (--header, $` + envAuthorization + `, or for oracle
  --token).
  No credential appears in the report (any format), in a retry or redirect
  note or in an error: the token; the Authorization value, its token and its
  Basic password; the values of the Authorization, Proxy-Authorization,
  X-Esri-Authorization, Cookie, Set-Cookie, X-Auth-Token and X-API-Key
  headers and of any header named like *token*, *secret*, *password*,
  *api-key*; cookie values; the token, api_key, access_token, apikey and key
  parameters; and the user-info of any URL are printed as ` + secrets.Redacted + `,
  also when the server echoes them JSON-escaped, percent-encoded (either
  letter case) or cut short.

Examples:
  TASKMOCK_TOKEN=$ARCGIS_TOKEN taskmock check --api esri \
    --base-url https://gis.example.com/server/rest/services/Prod \
    --task-group-job-id A031377A-E3C5-4C1A-A081-56285228A3A3 \
    --task-operation-id F6208AD7-D10C-4E1C-AB8A-6CA429AD559C --method POST
  TASKMOCK_AUTHORIZATION="Bearer $OCI_TOKEN" taskmock check --api oracle \
    --base-url https://opa.example.com --ids-from ids.txt --format junit > report.xml
  taskmock check --api esri --operation updateTask --method POST \
    --base-url https://gis.example.com/server/rest/services/Prod \
    --task-group-job-id 150BFC70-EA45-4327-908D-D6E622CD8B93 \
    --task-operation-id 5F109F09-DF73-4A82-A5B9-0FAACF8200F5 --param status=2
  echo '{"identities": [{"id": "u1", "type": "USER"}], "comment": "cover"}' |
    taskmock check --api oracle --operation reassignTask \
      --base-url https://opa.example.com --id "$TASK_ID" --body -

Exit codes:
  0  every response passed
  1  a response violates the contract (with --strict, a warning is enough),
     including an error answer and a body over --max-body
  2  usage error, or a request that could not be made at all (connection
     refused or reset, no answer within --timeout, a TLS or redirect
     failure), after its retries
`
}

// checkOperations lists the operations of an API for the help text.
func checkOperations(name specs.Name) string {
	var ids []string
	for _, op := range serveAPI(name).Operations {
		ids = append(ids, op.ID)
	}
	return strings.Join(ids, ", ")
}

// checkTarget is one request to make.
type checkTarget struct {
	api    specs.Name
	op     specs.Operation
	method string
	url    string
	form   url.Values // the POST body, Esri only
	body   []byte     // the JSON body, Oracle POST only
	header http.Header
	source string // the redacted name of the request
}

// checkOutcome is what came of one target.
type checkOutcome struct {
	status    int
	header    http.Header
	body      []byte
	latency   time.Duration // of the last attempt
	attempts  int
	notes     []string // what happened before the last attempt, redacted
	redirects []string // the redirect targets, redacted
	err       error    // the request could not be made
	tooLarge  bool     // the body exceeded --max-body
	finalURL  string
}

// checker makes the requests of one run.
type checker struct {
	transport   *http.Transport
	timeout     time.Duration
	retries     int
	backoff     time.Duration
	maxBody     int64
	red         *secrets.Set
	sleep       func(ctx context.Context, d time.Duration) error
	concurrency int
}

// headerList is a repeatable --header flag.
type headerList struct{ h http.Header }

func (l *headerList) String() string { return "" }

func (l *headerList) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return errors.New(`expected 'Name: value'`)
	}
	if strings.ContainsAny(value, "\r\n") {
		return errors.New("a header value cannot hold a line break")
	}
	l.h.Add(name, strings.TrimSpace(value))
	return nil
}

func runCheck(e *env, args []string) error {
	const cmd = "taskmock check"
	fs := newFlagSet("check")
	apiName := fs.String("api", "", "")
	baseURL := fs.String("base-url", "", "")
	groupID := fs.String("task-group-job-id", "", "")
	opID := fs.String("task-operation-id", "", "")
	token := fs.String("token", "", "")
	method := fs.String("method", http.MethodGet, "")
	opName := fs.String("operation", specs.OpGetTask, "")
	params := &paramList{}
	fs.Var(params, "param", "")
	bodyFile := fs.String("body", "", "")
	var ids []string
	fs.Func("id", "", func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("empty id")
		}
		ids = append(ids, strings.TrimSpace(s))
		return nil
	})
	idsFrom := fs.String("ids-from", "", "")
	grouped := fs.Bool("total-results-grouped", false, "")
	lang := fs.String("lang", "", "")
	headers := &headerList{h: http.Header{}}
	fs.Var(headers, "header", "")
	timeout := fs.Duration("timeout", checkDefaultTimeout, "")
	retries := fs.Int("retries", checkDefaultRetries, "")
	backoff := fs.Duration("backoff", checkDefaultBackoff, "")
	concurrency := fs.Int("concurrency", checkDefaultConcurrency, "")
	maxBody := fs.Int64("max-body", checkDefaultMaxBody, "")
	caFile := fs.String("ca-file", "", "")
	insecure := fs.Bool("insecure", false, "")
	format := fs.String("format", string(FormatText), "")
	strict := fs.Bool("strict", false, "")
	color := fs.String("color", colorAuto, "")

	// The secrets are known before parsing, so that even a usage error
	// that echoes a flag value cannot print them.
	red := &secrets.Set{}
	red.Add(os.Getenv(envToken))
	red.AddCredential(os.Getenv(envAuthorization))
	addArgSecrets(red, args)
	e = &env{ctx: e.ctx, stdin: e.stdin, stdout: e.stdout, stderr: red.Writer(e.stderr)}

	pos, help, err := e.parse(fs, cmd, checkUsage, args)
	if err != nil || help {
		return err
	}
	if len(pos) > 0 {
		return e.usageFail(cmd, fmt.Errorf("unexpected argument %q", red.Redact(pos[0])))
	}
	if *apiName == "" {
		return e.usageFail(cmd, fmt.Errorf("--api is required: %s", choices(specs.Names())))
	}
	api, err := specs.Get(*apiName)
	if err != nil {
		return e.usageFail(cmd, fmt.Errorf("--api must be %s, got %q", choices(specs.Names()), *apiName))
	}
	op, err := api.Operation(*opName)
	if err != nil {
		return e.usageFail(cmd, fmt.Errorf("--operation must be an operation of %s: %w", api.Name, err))
	}
	if !slices.Contains(Formats(), Format(*format)) {
		return e.usageFail(cmd, fmt.Errorf("--format must be %s, got %q", choices(Formats()), *format))
	}
	colors := []string{colorAuto, colorAlways, colorNever}
	if !slices.Contains(colors, *color) {
		return e.usageFail(cmd, fmt.Errorf("--color must be %s, got %q", choices(colors), *color))
	}
	switch {
	case *timeout <= 0:
		return e.usageFail(cmd, fmt.Errorf("--timeout must be positive, got %s", *timeout))
	case *retries < 0 || *retries > 10:
		return e.usageFail(cmd, fmt.Errorf("--retries must be from 0 to 10, got %d", *retries))
	case *backoff < 0:
		return e.usageFail(cmd, fmt.Errorf("--backoff must not be negative, got %s", *backoff))
	case *concurrency < 1 || *concurrency > 64:
		return e.usageFail(cmd, fmt.Errorf("--concurrency must be from 1 to 64, got %d", *concurrency))
	case *maxBody < 1:
		return e.usageFail(cmd, fmt.Errorf("--max-body must be positive, got %d", *maxBody))
	}
	if *baseURL == "" {
		return e.usageFail(cmd, errors.New("--base-url is required"))
	}
	base, err := url.Parse(*baseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return e.usageFail(cmd, fmt.Errorf("--base-url must be an http or https URL, got %q", red.RedactURL(*baseURL)))
	}
	red.AddHeader(headers.h)

	tok := *token
	if tok == "" {
		tok = os.Getenv(envToken)
	}
	red.Add(tok)
	hdr := headers.h.Clone()
	envAuth := strings.TrimSpace(os.Getenv(envAuthorization))
	if base.User != nil {
		// User-info is sent as Basic, for both APIs, and never kept in a
		// URL that could be printed.
		if hdr.Get("Authorization") != "" || envAuth != "" || (api.Name == specs.Oracle && tok != "") {
			return e.usageFail(cmd, errors.New("--base-url has a user name and password, and another Authorization is given "+
				"(--header, $"+envAuthorization+" or, for oracle, --token): give one"))
		}
		pw, _ := base.User.Password()
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(base.User.Username()+":"+pw))
		red.AddCredential(basic)
		hdr.Set("Authorization", basic)
		base.User = nil
	}
	if hdr.Get("Authorization") == "" {
		if envAuth != "" {
			hdr.Set("Authorization", envAuth)
		} else if api.Name == specs.Oracle && tok != "" {
			hdr.Set("Authorization", "Bearer "+tok)
		}
	}
	if hdr.Get("User-Agent") == "" {
		hdr.Set("User-Agent", "taskmock-check")
	}

	var targets []checkTarget
	switch api.Name {
	case specs.Esri:
		if len(ids) > 0 || *idsFrom != "" || *grouped || *lang != "" || *bodyFile != "" {
			return e.usageFail(cmd, errors.New("--id, --ids-from, --total-results-grouped, --lang and --body are for --api oracle"))
		}
		m := strings.ToUpper(*method)
		if m != http.MethodGet && m != http.MethodPost {
			return e.usageFail(cmd, fmt.Errorf("--method must be GET or POST, got %q", *method))
		}
		if (op.ID == specs.OpGetTask || op.ID == specs.OpUpdateTask) && (*groupID == "" || *opID == "") {
			return e.usageFail(cmd, fmt.Errorf("--task-group-job-id and --task-operation-id are required for --api esri --operation %s", op.ID))
		}
		t, err := esriTarget(base, m, op, *groupID, *opID, params.v, tok, hdr, red)
		if err != nil {
			return e.usageFail(cmd, err)
		}
		targets = append(targets, t)
	case specs.Oracle:
		if *groupID != "" || *opID != "" || !strings.EqualFold(*method, http.MethodGet) || len(params.v) > 0 {
			return e.usageFail(cmd, errors.New("--task-group-job-id, --task-operation-id, --method and --param are for --api esri"))
		}
		if op.ID != specs.OpGetTask && (*grouped || *lang != "") {
			return e.usageFail(cmd, fmt.Errorf("--total-results-grouped and --lang are for --operation %s", specs.OpGetTask))
		}
		var body []byte
		switch {
		case op.ID == specs.OpGetTask && *bodyFile != "":
			return e.usageFail(cmd, fmt.Errorf("--body is for --operation %s and %s", specs.OpReassignTask, specs.OpReassignTasks))
		case op.ID != specs.OpGetTask && *bodyFile == "":
			return e.usageFail(cmd, fmt.Errorf("--body FILE is required for --operation %s: the JSON request body", op.ID))
		case *bodyFile != "":
			if body, err = readBody(e, *bodyFile); err != nil {
				return e.fail(cmd, ExitUsage, fmt.Errorf("--body %s: %w", *bodyFile, err))
			}
		}
		if op.ID == specs.OpReassignTasks {
			if len(ids) > 0 || *idsFrom != "" {
				return e.usageFail(cmd, errors.New("--id and --ids-from are not for --operation reassignTasks: give the task ids in the body's taskIds"))
			}
			root, _ := oracleRoot(base)
			targets = append(targets, oracleBulkTarget(root, body, hdr, red))
			break
		}
		if *idsFrom != "" {
			more, err := readIDs(e, *idsFrom)
			if err != nil {
				return e.fail(cmd, ExitUsage, fmt.Errorf("--ids-from %s: %w", *idsFrom, err))
			}
			ids = append(ids, more...)
		}
		root, urlID := oracleRoot(base)
		if urlID != "" {
			ids = append([]string{urlID}, ids...)
		}
		if len(ids) == 0 {
			return e.usageFail(cmd, errors.New("give a task id with --id or --ids-from, or a task URL as --base-url"))
		}
		if *lang != "" {
			hdr.Set("Accept-Language", *lang)
		}
		for _, id := range ids {
			if op.ID == specs.OpReassignTask {
				targets = append(targets, oracleReassignTarget(root, id, body, hdr, red))
				continue
			}
			targets = append(targets, oracleTarget(root, id, *grouped, hdr, red))
		}
	}
	if err := checkRequests(targets, red); err != nil {
		return e.usageFail(cmd, err)
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return e.fail(cmd, ExitUsage, fmt.Errorf("--ca-file: %w", err))
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return e.fail(cmd, ExitUsage, fmt.Errorf("--ca-file %s: no PEM certificate found", *caFile))
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if *insecure {
		tr.TLSClientConfig.InsecureSkipVerify = true
		fmt.Fprintf(e.stderr, "%s: warning: --insecure: the server's TLS certificate is not verified\n", cmd)
	}
	defer tr.CloseIdleConnections()

	v, err := contract.New(contract.Strict(*strict))
	if err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("cannot build the validator: %w", err))
	}
	c := &checker{transport: tr, timeout: *timeout, retries: *retries, backoff: *backoff,
		maxBody: *maxBody, red: red, sleep: sleepCtx, concurrency: *concurrency}
	outcomes := c.run(e.ctx, targets)
	if e.ctx.Err() != nil {
		return e.fail(cmd, ExitUsage, errors.New("interrupted"))
	}

	results := make([]checkResult, len(targets))
	failedRequests := 0
	for i, t := range targets {
		results[i] = judge(v, t, outcomes[i], *timeout, red)
		if outcomes[i].err != nil {
			failedRequests++
		}
	}
	ropts := ReportOptions{Strict: *strict, Color: *format == string(FormatText) && useColor(*color, e.stdout)}
	out, err := renderCheck(Format(*format), results, ropts)
	if err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("rendering the report: %w", err))
	}
	if _, err := e.stdout.Write(red.RedactBytes(out)); err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("writing the report: %w", err))
	}

	plain := make([]Result, len(results))
	for i, r := range results {
		plain[i] = r.Result
	}
	sum := Summarize(plain, ropts)
	switch {
	case failedRequests > 0:
		return e.fail(cmd, ExitUsage, fmt.Errorf("%d of %s could not be made", failedRequests, plural(len(targets), "request")))
	case sum.Failed() > 0:
		err := fmt.Errorf("%d of %s failed the contract", sum.Failed(), plural(sum.Checked, "response"))
		if *format == string(FormatText) {
			return &ExitError{Code: ExitViolations, Err: err}
		}
		return e.fail(cmd, ExitViolations, err)
	}
	return nil
}

// esriTarget builds the request of an Esri operation: f=json, the ids
// given and the --param values in the query (GET) or a form body (POST),
// the token beside them. A --base-url that is already the URL of an
// operation is taken as it is, if it is the operation asked for.
func esriTarget(base *url.URL, method string, op specs.Operation, groupID, opID string, extra url.Values, token string, hdr http.Header, red *secrets.Set) (checkTarget, error) {
	u := *base
	if r, ok := specs.MatchPath(u.EscapedPath()); ok && r.API == specs.Esri {
		if r.Operation.ID != op.ID {
			return checkTarget{}, fmt.Errorf("--base-url is the URL of %s, not of %s: give the service root, or the URL of %s", r.Operation.ID, op.ID, op.ID)
		}
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + op.Path
		u.RawPath = ""
	}
	params := u.Query()
	params.Set("f", "json")
	shown := url.Values{}
	if groupID != "" {
		params.Set("taskGroupJobId", groupID)
		shown.Set("taskGroupJobId", groupID)
	}
	if opID != "" {
		params.Set("taskOperationId", opID)
		shown.Set("taskOperationId", opID)
	}
	for name, vs := range extra {
		params[name] = vs
		shown[name] = vs
	}
	if token != "" {
		params.Set("token", token)
	}
	t := checkTarget{api: specs.Esri, op: op, method: method, header: hdr.Clone()}
	if method == http.MethodPost {
		u.RawQuery = ""
		t.form = params
		t.header.Set("Content-Type", "application/x-www-form-urlencoded")
		t.source = red.Redact(method + " " + u.String() + " " + shown.Encode())
	} else {
		u.RawQuery = params.Encode()
		t.source = method + " " + red.RedactURL(u.String())
	}
	t.url = u.String()
	return t, nil
}

// paramList is a repeatable --param NAME=VALUE flag: an Esri parameter of
// the operation.
type paramList struct{ v url.Values }

func (l *paramList) String() string { return "" }

func (l *paramList) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	switch {
	case !ok || name == "":
		return errors.New("expected NAME=VALUE, such as status=2")
	case name == "f" || name == "token":
		return fmt.Errorf("%s is set by check (f=json; the token with --token)", name)
	case name == "taskGroupJobId" || name == "taskOperationId":
		return fmt.Errorf("give %s with --task-group-job-id or --task-operation-id", name)
	}
	if l.v == nil {
		l.v = url.Values{}
	}
	l.v.Add(name, value)
	return nil
}

// maxRequestBody bounds a --body file: the mock's own limit on request
// bodies.
const maxRequestBody = reqcheck.DefaultMaxBody

// readBody reads a --body file ("-": standard input), up to
// maxRequestBody.
func readBody(e *env, name string) ([]byte, error) {
	r, closeInput, err := openInput(e, name)
	if err != nil {
		return nil, err
	}
	defer closeInput()
	b, err := io.ReadAll(io.LimitReader(r, maxRequestBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRequestBody {
		return nil, fmt.Errorf("larger than %d bytes", maxRequestBody)
	}
	return b, nil
}

// checkRequests checks every target's request against its operation's
// documentation before anything is sent, so that a mistyped parameter or
// body is a usage error, not a request a real server acts on.
func checkRequests(targets []checkTarget, red *secrets.Set) error {
	if len(targets) == 0 {
		return nil
	}
	rc, err := reqcheck.New()
	if err != nil {
		return fmt.Errorf("cannot build the request checker: %w", err)
	}
	t := targets[0] // the targets of one run differ only in the task id
	var body io.Reader
	switch {
	case t.form != nil:
		body = strings.NewReader(t.form.Encode())
	case t.body != nil:
		body = bytes.NewReader(t.body)
	}
	req, err := http.NewRequest(t.method, t.url, body)
	if err != nil {
		return err
	}
	req.Header = t.header.Clone()
	problems := rc.Check(t.api, t.op.ID, req)
	if len(problems) == 0 {
		return nil
	}
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, checkFlagOf(t, p.Field)+": "+p.Message)
	}
	return errors.New(red.Redact("the request does not fit " + t.op.ID + ": " + strings.Join(msgs, "; ")))
}

// checkFlagOf names the flag that sets a request's field.
func checkFlagOf(t checkTarget, field string) string {
	switch {
	case field == "taskGroupJobId":
		return "--task-group-job-id"
	case field == "taskOperationId":
		return "--task-operation-id"
	case field == "body" || strings.HasPrefix(field, "body."):
		return "--body " + field
	case t.api == specs.Esri && !strings.Contains(field, "."):
		return "--param " + field
	}
	return field
}

// oracleRoot splits an Oracle --base-url into the root the API's path is
// appended to and, for a task URL, its id.
func oracleRoot(base *url.URL) (root *url.URL, id string) {
	u := *base
	u.RawQuery, u.Fragment = "", ""
	p := u.EscapedPath()
	prefix := "/process/api/v1/tasks"
	if i := strings.Index(p, prefix); i >= 0 {
		rest := strings.Trim(p[i+len(prefix):], "/")
		p = p[:i]
		if rest != "" && !strings.Contains(rest, "/") {
			id, _ = url.PathUnescape(rest)
		}
	}
	r, err := url.Parse(u.Scheme + "://" + u.Host + strings.TrimSuffix(p, "/"))
	if err != nil {
		return &u, id
	}
	return r, id
}

func oracleTarget(root *url.URL, id string, grouped bool, hdr http.Header, red *secrets.Set) checkTarget {
	u := root.String() + "/process/api/v1/tasks/" + url.PathEscape(id)
	if grouped {
		u += "?totalResultsGrouped=true"
	}
	op, _ := serveAPI(specs.Oracle).Operation(specs.OpGetTask)
	return checkTarget{api: specs.Oracle, op: op, method: http.MethodGet, url: u, header: hdr.Clone(),
		source: http.MethodGet + " " + red.RedactURL(u)}
}

// oracleReassignTarget is the POST of Reassign a Task for one id.
func oracleReassignTarget(root *url.URL, id string, body []byte, hdr http.Header, red *secrets.Set) checkTarget {
	u := root.String() + "/process/api/v1/tasks/" + url.PathEscape(id) + "/reassign"
	op, _ := serveAPI(specs.Oracle).Operation(specs.OpReassignTask)
	return jsonTarget(op, u, body, hdr, red)
}

// oracleBulkTarget is the POST of Reassign Tasks.
func oracleBulkTarget(root *url.URL, body []byte, hdr http.Header, red *secrets.Set) checkTarget {
	u := root.String() + "/process/api/v1/tasks/reassign"
	op, _ := serveAPI(specs.Oracle).Operation(specs.OpReassignTasks)
	return jsonTarget(op, u, body, hdr, red)
}

func jsonTarget(op specs.Operation, u string, body []byte, hdr http.Header, red *secrets.Set) checkTarget {
	t := checkTarget{api: specs.Oracle, op: op, method: http.MethodPost, url: u, body: body, header: hdr.Clone(),
		source: http.MethodPost + " " + red.RedactURL(u)}
	t.header.Set("Content-Type", "application/json")
	return t
}

// openInput opens a file named by a flag, or standard input for "-"; the
// returned func closes it.
func openInput(e *env, name string) (io.Reader, func(), error) {
	if name == "-" {
		return ctxReader{e.ctx, e.stdin}, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { _ = f.Close() }, nil
}

// readIDs reads task ids, one a line, skipping blank lines and # comments.
func readIDs(e *env, name string) ([]string, error) {
	r, closeInput, err := openInput(e, name)
	if err != nil {
		return nil, err
	}
	defer closeInput()
	var ids []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids = append(ids, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, errors.New("no id in the file")
	}
	return ids, nil
}

// run makes every target's request, at most c.concurrency at once, and
// returns the outcomes in the order of the targets.
func (c *checker) run(ctx context.Context, targets []checkTarget) []checkOutcome {
	out := make([]checkOutcome, len(targets))
	sem := make(chan struct{}, c.concurrency)
	var wg sync.WaitGroup
	for i := range targets {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = checkOutcome{err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			out[i] = c.do(ctx, targets[i])
		})
	}
	wg.Wait()
	return out
}

// errTooManyRedirects stops a request after checkMaxRedirects redirects.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", checkMaxRedirects)

// errCrossHostToken stops a POST whose form holds the token from being
// sent again to another host by a 307 or 308 redirect.
var errCrossHostToken = errors.New("redirected to another host: the token is not sent there")

// do makes one target's request, retrying 429, 503 and connection errors.
func (c *checker) do(ctx context.Context, t checkTarget) checkOutcome {
	var o checkOutcome
	wait := c.backoff
	for attempt := 0; ; attempt++ {
		o.attempts = attempt + 1
		o.redirects = nil
		o.err = nil
		status, header, body, latency, tooLarge, err := c.attempt(ctx, t, &o)
		o.latency = latency
		retryable := false
		var note string
		var after time.Duration
		switch {
		case err != nil:
			o.err = err
			// A mutating request may have been applied before the
			// connection broke: it is not sent again.
			retryable = ctx.Err() == nil && isRetryable(err) && !t.op.Mutating
			note = "attempt " + strconv.Itoa(o.attempts) + ": " + describeError(err, c.timeout)
		case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
			retryable = true
			note = fmt.Sprintf("attempt %d: %d %s", o.attempts, status, http.StatusText(status))
			after = retryAfter(header.Get("Retry-After"), time.Now())
		case t.api == specs.Esri && status == http.StatusOK && !tooLarge && esriBusy(body) != 0:
			// ArcGIS answers its own 429 and 503 with HTTP 200.
			retryable = true
			note = fmt.Sprintf("attempt %d: ArcGIS error %d", o.attempts, esriBusy(body))
			after = retryAfter(header.Get("Retry-After"), time.Now())
		}
		if err == nil {
			o.status, o.header, o.body, o.tooLarge = status, header, body, tooLarge
		}
		if !retryable || attempt >= c.retries {
			return o
		}
		d := wait
		if after > 0 {
			d = after
		}
		if d > checkMaxWait {
			note += fmt.Sprintf(", Retry-After %s capped to %s", after.Round(time.Second), checkMaxWait)
			d = checkMaxWait
		}
		o.notes = append(o.notes, c.red.Redact(note+", retried after "+d.String()))
		if c.sleep(ctx, d) != nil {
			o.err = ctx.Err()
			return o
		}
		wait *= 2
	}
}

// esriBusy returns the code of an ArcGIS error envelope that asks to come
// back later (429, 503), or 0.
func esriBusy(body []byte) int {
	var env struct {
		Error *struct {
			Code json.Number `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		return 0
	}
	switch code, _ := env.Error.Code.Int64(); code {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return int(code)
	}
	return 0
}

// attempt sends the request once and reads the answer within c.timeout.
func (c *checker) attempt(ctx context.Context, t checkTarget, o *checkOutcome) (status int, header http.Header, body []byte, latency time.Duration, tooLarge bool, err error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rb io.Reader
	if t.form != nil {
		rb = strings.NewReader(t.form.Encode())
	} else if t.body != nil {
		rb = bytes.NewReader(t.body)
	}
	req, err := http.NewRequestWithContext(actx, t.method, t.url, rb)
	if err != nil {
		return 0, nil, nil, 0, false, err
	}
	req.Header = t.header.Clone()
	client := &http.Client{
		Transport: c.transport,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			o.redirects = append(o.redirects, c.red.RedactURL(r.URL.String()))
			if len(via) > checkMaxRedirects {
				return errTooManyRedirects
			}
			if r.URL.Host != via[0].URL.Host {
				// Credentials stay with the host they were given for.
				for name := range r.Header {
					if secrets.IsHeader(name) {
						r.Header.Del(name)
					}
				}
				if t.form != nil && t.form.Has("token") && r.Method == http.MethodPost {
					return errCrossHostToken
				}
			}
			return nil
		},
	}
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, time.Since(start), false, err
	}
	defer res.Body.Close()
	o.finalURL = res.Request.URL.String()
	body, err = io.ReadAll(io.LimitReader(res.Body, c.maxBody+1))
	latency = time.Since(start)
	if err != nil {
		return 0, nil, nil, latency, false, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(body)) > c.maxBody {
		return res.StatusCode, res.Header, nil, latency, true, nil
	}
	return res.StatusCode, res.Header, body, latency, false, nil
}

// isRetryable tells whether an error is worth another attempt: a
// connection error or a timeout, not a certificate or redirect failure.
func isRetryable(err error) bool {
	if errors.Is(err, errTooManyRedirects) || errors.Is(err, errCrossHostToken) {
		return false
	}
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return false
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return false
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return false
	}
	return true
}

// describeError says in one line why a request failed, without the URL
// (the source names it).
func describeError(err error, timeout time.Duration) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("no complete answer within %s (--timeout)", timeout)
	case errors.Is(err, errTooManyRedirects), errors.Is(err, errCrossHostToken):
		return err.Error()
	}
	return "connection error: " + err.Error()
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// retryAfter parses a Retry-After value, seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		if n > int(checkMaxWait/time.Second)*10 {
			n = int(checkMaxWait/time.Second) * 10
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkResult is a Result with what check knows of its request.
type checkResult struct {
	Result
	outcome checkOutcome
	errText string // why the request could not be made, redacted
}

// judge validates an outcome, or turns a failure into an error result.
//
// The validator replaces every known secret (red, and the request's) in
// the body before it reads it, so that no violation message can quote one,
// not even cut short.
func judge(v *contract.Validator, t checkTarget, o checkOutcome, timeout time.Duration, red *secrets.Set) checkResult {
	r := checkResult{Result: Result{Source: t.source}, outcome: o}
	switch {
	case o.err != nil:
		r.errText = red.Redact(describeError(o.err, timeout))
		msg := fmt.Sprintf("expected an answer, found none after %s: %s", plural(o.attempts, "attempt"), r.errText)
		r.Report = contract.Report{API: t.api, Operation: t.op.ID, Status: 0, Violations: []contract.Violation{{
			API: t.api, Severity: contract.SeverityError, Rule: ruleRequestFailed, Location: "request", Message: msg}}}
	case o.tooLarge:
		r.Report = contract.Report{API: t.api, Operation: t.op.ID, Status: o.status, Violations: []contract.Violation{{
			API: t.api, Severity: contract.SeverityError, Rule: ruleBodyTooLarge, Location: "body",
			Message: "expected a task body, found a body over the --max-body limit (not read further)"}}}
	default:
		req := &contract.Request{Method: t.method, URL: t.url, Header: t.header}
		if o.finalURL != "" {
			req.URL = o.finalURL
		}
		if t.form != nil {
			req.Form = t.form
		}
		r.Report = v.Validate(contract.Exchange{API: t.api, Operation: t.op.ID, Request: req, Status: o.status, Header: o.header, Body: o.body, Secrets: red})
	}
	return r
}

// requestLine is the text report's line of one request:
// "SOURCE: 200 OK in 123ms (1 retry: ...; redirected to ...)".
func (r checkResult) requestLine() string {
	o := r.outcome
	var head string
	if o.err != nil {
		head = fmt.Sprintf("request failed after %s: %s", plural(o.attempts, "attempt"), r.errText)
	} else {
		head = fmt.Sprintf("%d %s in %s", o.status, http.StatusText(o.status), o.latency.Round(time.Millisecond))
	}
	var extra []string
	if len(o.notes) > 0 {
		extra = append(extra, plural(len(o.notes), "retry")+": "+strings.Join(o.notes, "; "))
	}
	if len(o.redirects) > 0 {
		extra = append(extra, plural(len(o.redirects), "redirect")+": "+strings.Join(o.redirects, ", "))
	}
	if len(extra) > 0 {
		head += " (" + strings.Join(extra, "; ") + ")"
	}
	return oneLine(r.Source) + ": " + oneLine(head)
}

// checkJSONResult is a result of the JSON report of check: the fields of
// validate's, then the request's.
type checkJSONResult struct {
	jsonResult
	LatencyMs int64    `json:"latencyMs"`
	Attempts  int      `json:"attempts"`
	Retries   []string `json:"retries"`
	Redirects []string `json:"redirects"`
	Error     string   `json:"error,omitempty"`
}

// renderCheck renders the report of check: validate's formats, with a
// line per request in text and the request's fields in JSON.
func renderCheck(format Format, results []checkResult, opts ReportOptions) ([]byte, error) {
	plain := make([]Result, len(results))
	for i, r := range results {
		plain[i] = r.Result
	}
	switch format {
	case FormatText:
		full := RenderText(plain, opts)
		summary := full[bytes.LastIndexByte(full[:len(full)-1], '\n')+1:]
		var b bytes.Buffer
		for _, r := range results {
			b.WriteString(r.requestLine())
			b.WriteByte('\n')
			for _, v := range r.Report.Violations {
				writeViolationLine(&b, r.Source, v, opts.Color)
			}
		}
		b.Write(summary)
		return b.Bytes(), nil
	case FormatJSON:
		raw, err := RenderJSON(plain, opts)
		if err != nil {
			return nil, err
		}
		var rep jsonReport
		if err := json.Unmarshal(raw, &rep); err != nil {
			return nil, err
		}
		out := struct {
			Summary Summary           `json:"summary"`
			Results []checkJSONResult `json:"results"`
		}{Summary: rep.Summary, Results: make([]checkJSONResult, len(results))}
		for i, r := range results {
			jr := checkJSONResult{jsonResult: rep.Results[i], LatencyMs: r.outcome.latency.Milliseconds(),
				Attempts: r.outcome.attempts, Retries: orEmpty(r.outcome.notes), Redirects: orEmpty(r.outcome.redirects),
				Error: r.errText}
			if r.outcome.err != nil {
				jr.Status = 0
			}
			out.Results[i] = jr
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	case FormatJUnit:
		return renderCheckJUnit(results, opts)
	}
	return Render(format, plain, opts)
}

// The JUnit report of check: validate's, with each test case's time (the
// latency of its request, in seconds) and each suite's total.
type (
	checkJUnitSuites struct {
		XMLName  xml.Name          `xml:"testsuites"`
		Name     string            `xml:"name,attr"`
		Tests    int               `xml:"tests,attr"`
		Failures int               `xml:"failures,attr"`
		Errors   int               `xml:"errors,attr"`
		Time     string            `xml:"time,attr"`
		Suites   []checkJUnitSuite `xml:"testsuite"`
	}
	checkJUnitSuite struct {
		Name     string           `xml:"name,attr"`
		Tests    int              `xml:"tests,attr"`
		Failures int              `xml:"failures,attr"`
		Errors   int              `xml:"errors,attr"`
		Time     string           `xml:"time,attr"`
		Cases    []checkJUnitCase `xml:"testcase"`
	}
	checkJUnitCase struct {
		ClassName string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		Time      string        `xml:"time,attr"`
		Error     *junitFailure `xml:"error,omitempty"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		SystemOut *junitText    `xml:"system-out,omitempty"`
	}
)

func renderCheckJUnit(results []checkResult, opts ReportOptions) ([]byte, error) {
	plain := make([]Result, len(results))
	for i, r := range results {
		plain[i] = r.Result
	}
	raw, err := RenderJUnit(plain, opts)
	if err != nil {
		return nil, err
	}
	var doc junitSuites
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	seconds := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
	out := checkJUnitSuites{Name: doc.Name, Tests: doc.Tests, Failures: doc.Failures, Errors: doc.Errors}
	var total time.Duration
	for _, s := range doc.Suites {
		cs := checkJUnitSuite{Name: s.Name, Tests: s.Tests, Failures: s.Failures, Errors: s.Errors}
		var mine []checkResult
		for _, r := range results {
			if "taskmock."+xmlText(string(r.Report.API)) == s.Name {
				mine = append(mine, r)
			}
		}
		var sum time.Duration
		for i, c := range s.Cases {
			var d time.Duration
			tc := checkJUnitCase{ClassName: c.ClassName, Name: c.Name, Failure: c.Failure, SystemOut: c.SystemOut}
			if i < len(mine) {
				d = mine[i].outcome.latency
				if mine[i].outcome.err != nil && tc.Failure != nil {
					// A request that could not be made is an error of the
					// run, not a failure of the contract.
					tc.Error = &junitFailure{Message: xmlText(mine[i].errText), Type: "request", Text: tc.Failure.Text}
					tc.Failure = nil
					cs.Failures--
					cs.Errors++
					out.Failures--
					out.Errors++
				}
			}
			tc.Time = seconds(d)
			sum += d
			cs.Cases = append(cs.Cases, tc)
		}
		cs.Time = seconds(sum)
		total += sum
		out.Suites = append(out.Suites, cs)
	}
	out.Time = seconds(total)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// addArgSecrets registers the secrets of raw command-line arguments, before
// they are parsed: the value of --token, of a credential --header and the
// user-info and credential parameters of --base-url.
func addArgSecrets(red *secrets.Set, args []string) {
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		if len(a) == len(args[i]) {
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		switch name {
		case "token":
			red.Add(value)
		case "header":
			if hn, hv, ok := strings.Cut(value, ":"); ok && secrets.IsHeader(hn) {
				red.AddCredential(hv)
			}
		case "base-url":
			red.AddURL(value)
		}
	}
}
