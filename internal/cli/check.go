package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/taskmock/taskmock/check"
	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/reqcheck"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"

	"github.com/taskmock/taskmock/internal/textutil"
)

// The environment variables that carry secrets, so that they stay out of
// shell history and CI logs.
const (
	envToken         = "TASKMOCK_TOKEN"
	envAuthorization = "TASKMOCK_AUTHORIZATION"
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
                             (default ` + check.DefaultTimeout.String() + `)
  --retries N                retry a 429, a 503 (Esri: also an ArcGIS error
                             envelope with code 429 or 503) or a connection
                             error up to N
                             times (default ` + strconv.Itoa(check.DefaultRetries) + `), waiting as Retry-After says
                             (seconds or an HTTP date) or else --backoff,
                             doubled each time; one wait is at most ` + check.MaxWait.String() + `
  --backoff D                the first wait between attempts (default ` + check.DefaultBackoff.String() + `)
  --concurrency N            requests in flight at once (default ` + strconv.Itoa(check.DefaultConcurrency) + `)
  --max-body BYTES           the largest body read; a larger one fails its
                             response (default ` + strconv.Itoa(check.DefaultMaxBody) + `, 32 MiB)
  --ca-file FILE             trust the PEM certificates of FILE as well as the
                             system's
  --insecure                 do not verify the server's TLS certificate
  Redirects are followed up to ` + strconv.Itoa(check.MaxRedirects) + ` times and reported.

Report:
  --format FORMAT            ` + choices(report.Formats()) + ` (default text); json adds
                             latencyMs, attempts, redirects and error to each
                             result; html is one self-contained page with each
                             failed body and its offending values highlighted
  --report FORMAT=FILE       also write a report in FORMAT to FILE, from the
                             same run (repeatable): one run gives the CI its
                             annotations, SARIF and HTML at once
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
  headers; cookie values; the token, api_key, access_token, apikey, key,
  sig and pwd parameters; any header or parameter named like *token*,
  *secret*, *password*, *passwd*, *api-key*, *api_key*, *apikey*,
  *signature*; and the user-info of any URL are printed as ` + secrets.Redacted + `,
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
	timeout := fs.Duration("timeout", check.DefaultTimeout, "")
	retries := fs.Int("retries", check.DefaultRetries, "")
	backoff := fs.Duration("backoff", check.DefaultBackoff, "")
	concurrency := fs.Int("concurrency", check.DefaultConcurrency, "")
	maxBody := fs.Int64("max-body", check.DefaultMaxBody, "")
	caFile := fs.String("ca-file", "", "")
	insecure := fs.Bool("insecure", false, "")
	format := fs.String("format", string(report.FormatText), "")
	reports := &reportList{}
	fs.Var(reports, "report", "")
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
	if !slices.Contains(report.Formats(), report.Format(*format)) {
		return e.usageFail(cmd, fmt.Errorf("--format must be %s, got %q", choices(report.Formats()), *format))
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

	var targets []check.Target
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
		t, err := check.EsriTarget(base, m, op, *groupID, *opID, params.v, tok, hdr, red)
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
			root, _ := check.OracleRoot(base)
			targets = append(targets, check.OracleBulkTarget(root, body, hdr, red))
			break
		}
		if *idsFrom != "" {
			more, err := readIDs(e, *idsFrom)
			if err != nil {
				return e.fail(cmd, ExitUsage, fmt.Errorf("--ids-from %s: %w", *idsFrom, err))
			}
			ids = append(ids, more...)
		}
		root, urlID := check.OracleRoot(base)
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
				targets = append(targets, check.OracleReassignTarget(root, id, body, hdr, red))
				continue
			}
			targets = append(targets, check.OracleTarget(root, id, *grouped, hdr, red))
		}
	}
	if len(targets) > 0 {
		// The targets of one run differ only in the task id.
		if err := check.CheckRequest(targets[0], red); err != nil {
			if re, ok := errors.AsType[*check.RequestError](err); ok {
				for i, p := range re.Problems {
					re.Problems[i].Field = checkFlagOf(targets[0], p.Field)
				}
			}
			return e.usageFail(cmd, err)
		}
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
	c, err := check.New(check.Config{Transport: tr, Validator: v, Secrets: red, Timeout: *timeout, Retries: *retries,
		Backoff: *backoff, Concurrency: *concurrency, MaxBody: *maxBody})
	if err != nil {
		return e.usageFail(cmd, err)
	}
	results := c.Run(e.ctx, targets)
	if e.ctx.Err() != nil {
		return e.fail(cmd, ExitUsage, errors.New("interrupted"))
	}
	failedRequests := 0
	for _, r := range results {
		if r.Live.Error != "" {
			failedRequests++
		}
	}
	ropts := report.Options{Tool: cmd, Strict: *strict, Color: *format == string(report.FormatText) && useColor(*color, e.stdout)}
	out, err := report.Render(report.Format(*format), results, ropts)
	if err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("rendering the report: %w", err))
	}
	if _, err := e.stdout.Write(red.RedactBytes(out)); err != nil {
		return e.fail(cmd, ExitUsage, fmt.Errorf("writing the report: %w", err))
	}
	if err := writeReportFiles(reports.specs, results, ropts, red); err != nil {
		return e.fail(cmd, ExitUsage, err)
	}
	sum := report.Summarize(results, ropts)
	switch {
	case failedRequests > 0:
		return e.fail(cmd, ExitUsage, fmt.Errorf("%d of %s could not be made", failedRequests, textutil.Plural(len(targets), "request")))
	case sum.Failed() > 0:
		err := fmt.Errorf("%d of %s failed the contract", sum.Failed(), textutil.Plural(sum.Checked, "response"))
		if *format == string(report.FormatText) {
			return &ExitError{Code: ExitViolations, Err: err}
		}
		return e.fail(cmd, ExitViolations, err)
	}
	return nil
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

// checkFlagOf names the flag that sets a request's field.
func checkFlagOf(t check.Target, field string) string {
	switch {
	case field == "taskGroupJobId":
		return "--task-group-job-id"
	case field == "taskOperationId":
		return "--task-operation-id"
	case field == "body" || strings.HasPrefix(field, "body."):
		return "--body " + field
	case t.API == specs.Esri && !strings.Contains(field, "."):
		return "--param " + field
	}
	return field
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
