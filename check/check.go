package check

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/report"
	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// The defaults and bounds of a check.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultRetries     = 2
	DefaultBackoff     = 500 * time.Millisecond
	DefaultConcurrency = 4
	DefaultMaxBody     = 32 << 20
	// MaxRetries and MaxConcurrency bound Config.Retries and
	// Config.Concurrency.
	MaxRetries     = 10
	MaxConcurrency = 64
	// MaxWait caps one wait between two attempts, whatever Retry-After
	// asks.
	MaxWait = 30 * time.Second
	// MaxRedirects is how many redirects one request follows.
	MaxRedirects = 5
)

// The rules a check adds to the validator's: a response that could not be
// judged.
const (
	RuleRequestFailed contract.Rule = "request-failed"
	RuleBodyTooLarge  contract.Rule = "body-too-large"
)

// Config is the settings of a Checker. The zero value of a field means its
// default, except Retries and Backoff: zero Retries makes one attempt,
// zero Backoff retries at once (unless the server says when).
type Config struct {
	// Transport makes the requests; nil means a clone of
	// http.DefaultTransport. Redirects are followed by the Checker.
	Transport http.RoundTripper
	// Validator judges the answers; nil means contract.New().
	Validator *contract.Validator
	// Secrets hides credentials in every text a Checker returns; nil means
	// a set of its own. The credentials of each target (its credential
	// headers and token parameter) are added to it.
	Secrets *secrets.Set
	// Timeout bounds one attempt, the body read included.
	Timeout time.Duration
	// Retries is how many times a 429, a 503, an ArcGIS 429/503 envelope
	// or a connection error is retried, from 0 to MaxRetries. A mutating
	// request is never sent again after a connection error.
	Retries int
	// Backoff is the first wait between attempts, doubled each time;
	// Retry-After, when the server sends it, wins (capped to MaxWait).
	Backoff time.Duration
	// Concurrency is how many requests run at once, from 1 to
	// MaxConcurrency.
	Concurrency int
	// MaxBody bounds a response body: a longer one is not read further and
	// fails with RuleBodyTooLarge.
	MaxBody int64
}

// A Checker makes the requests of targets and judges their answers
// against the contract. It is safe for concurrent use.
type Checker struct {
	cfg   Config
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a Checker of cfg, or an error naming a setting out of its
// bounds.
func New(cfg Config) (*Checker, error) {
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("the timeout must be positive, got %s", cfg.Timeout)
	case cfg.Retries < 0 || cfg.Retries > MaxRetries:
		return nil, fmt.Errorf("retries must be from 0 to %d, got %d", MaxRetries, cfg.Retries)
	case cfg.Backoff < 0:
		return nil, fmt.Errorf("the backoff must not be negative, got %s", cfg.Backoff)
	case cfg.Concurrency < 0 || cfg.Concurrency > MaxConcurrency:
		return nil, fmt.Errorf("concurrency must be from 1 to %d, got %d", MaxConcurrency, cfg.Concurrency)
	case cfg.MaxBody < 0:
		return nil, fmt.Errorf("the body limit must be positive, got %d", cfg.MaxBody)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.Secrets == nil {
		cfg.Secrets = &secrets.Set{}
	}
	if cfg.Validator == nil {
		v, err := contract.New()
		if err != nil {
			return nil, fmt.Errorf("cannot build the validator: %w", err)
		}
		cfg.Validator = v
	}
	return &Checker{cfg: cfg, sleep: sleepCtx}, nil
}

// Run makes every target's request, at most Config.Concurrency at once,
// and returns the judged results in the order of the targets. Each
// result's Live says how its request went; a request that could not be
// made is a result with Live.Error and one RuleRequestFailed violation.
// When ctx ends, the requests not made yet fail with its error.
func (c *Checker) Run(ctx context.Context, targets []Target) []report.Result {
	for _, t := range targets {
		c.cfg.Secrets.AddHeader(t.Header)
		c.cfg.Secrets.AddURL(t.URL)
		for name, values := range t.Form {
			if secrets.IsParam(name) {
				c.cfg.Secrets.Add(values...)
			}
		}
	}
	out := make([]report.Result, len(targets))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range targets {
		wg.Go(func() {
			var o outcome
			select {
			case sem <- struct{}{}:
				o = c.do(ctx, targets[i])
				<-sem
			case <-ctx.Done():
				o = outcome{err: ctx.Err()}
			}
			out[i] = c.judge(targets[i], o)
		})
	}
	wg.Wait()
	return out
}

// outcome is what came of one target.
type outcome struct {
	status    int
	header    http.Header
	body      []byte
	latency   time.Duration // of the last attempt
	attempts  int
	notes     []string // what happened before the last attempt, redacted
	redirects []string // the redirect targets, redacted
	err       error    // the request could not be made
	tooLarge  bool     // the body exceeded MaxBody
	finalURL  string
}

// errTooManyRedirects stops a request after MaxRedirects redirects.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// errCrossHostToken stops a POST whose form holds the token from being
// sent again to another host by a 307 or 308 redirect.
var errCrossHostToken = errors.New("redirected to another host: the token is not sent there")

// do makes one target's request, retrying 429, 503 and connection errors.
func (c *Checker) do(ctx context.Context, t Target) outcome {
	var o outcome
	wait := c.cfg.Backoff
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
			retryable = ctx.Err() == nil && isRetryable(err) && !t.Operation.Mutating
			note = "attempt " + strconv.Itoa(o.attempts) + ": " + describeError(err, c.cfg.Timeout)
		case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
			retryable = true
			note = fmt.Sprintf("attempt %d: %d %s", o.attempts, status, http.StatusText(status))
			after = retryAfter(header.Get("Retry-After"), time.Now())
		case t.API == specs.Esri && status == http.StatusOK && !tooLarge && esriBusy(body) != 0:
			// ArcGIS answers its own 429 and 503 with HTTP 200.
			retryable = true
			note = fmt.Sprintf("attempt %d: ArcGIS error %d", o.attempts, esriBusy(body))
			after = retryAfter(header.Get("Retry-After"), time.Now())
		}
		if err == nil {
			o.status, o.header, o.body, o.tooLarge = status, header, body, tooLarge
		}
		if !retryable || attempt >= c.cfg.Retries {
			return o
		}
		d := wait
		if after > 0 {
			d = after
		}
		if d > MaxWait {
			note += fmt.Sprintf(", Retry-After %s capped to %s", after.Round(time.Second), MaxWait)
			d = MaxWait
		}
		o.notes = append(o.notes, c.cfg.Secrets.Redact(note+", retried after "+d.String()))
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

// attempt sends the request once and reads the answer within the timeout.
func (c *Checker) attempt(ctx context.Context, t Target, o *outcome) (status int, header http.Header, body []byte, latency time.Duration, tooLarge bool, err error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rb io.Reader
	if t.Form != nil {
		rb = strings.NewReader(t.Form.Encode())
	} else if t.Body != nil {
		rb = bytes.NewReader(t.Body)
	}
	req, err := http.NewRequestWithContext(actx, t.Method, t.URL, rb)
	if err != nil {
		return 0, nil, nil, 0, false, err
	}
	req.Header = t.Header.Clone()
	client := &http.Client{
		Transport: c.cfg.Transport,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			o.redirects = append(o.redirects, c.cfg.Secrets.RedactURL(r.URL.String()))
			if len(via) > MaxRedirects {
				return errTooManyRedirects
			}
			if r.URL.Host != via[0].URL.Host {
				// Credentials stay with the host they were given for.
				for name := range r.Header {
					if secrets.IsHeader(name) {
						r.Header.Del(name)
					}
				}
				if t.Form != nil && t.Form.Has("token") && r.Method == http.MethodPost {
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
	body, err = io.ReadAll(io.LimitReader(res.Body, c.cfg.MaxBody+1))
	latency = time.Since(start)
	if err != nil {
		return 0, nil, nil, latency, false, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(body)) > c.cfg.MaxBody {
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
	case errors.Is(err, context.Canceled):
		return "interrupted"
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
		if n > int(MaxWait/time.Second)*10 {
			n = int(MaxWait/time.Second) * 10
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

// judge validates an outcome, or turns a failure into a result with one
// RuleRequestFailed violation.
//
// The validator replaces every known secret in the body before it reads
// it, so that no violation message can quote one, not even cut short.
func (c *Checker) judge(t Target, o outcome) report.Result {
	red := c.cfg.Secrets
	r := report.Result{Source: t.Source, Live: &report.Live{Latency: o.latency, Attempts: o.attempts, Retries: o.notes, Redirects: o.redirects}}
	switch {
	case o.err != nil:
		r.Live.Error = red.Redact(describeError(o.err, c.cfg.Timeout))
		attempts := fmt.Sprintf("%d attempts", o.attempts)
		if o.attempts == 1 {
			attempts = "1 attempt"
		}
		msg := fmt.Sprintf("expected an answer, found none after %s: %s", attempts, r.Live.Error)
		r.Report = contract.Report{API: t.API, Operation: t.Operation.ID, Status: 0, Violations: []contract.Violation{{
			API: t.API, Severity: contract.SeverityError, Rule: RuleRequestFailed, Location: "request", Message: msg}}}
	case o.tooLarge:
		r.Report = contract.Report{API: t.API, Operation: t.Operation.ID, Status: o.status, Violations: []contract.Violation{{
			API: t.API, Severity: contract.SeverityError, Rule: RuleBodyTooLarge, Location: "body",
			Message: "expected a task body, found a body over the --max-body limit (not read further)"}}}
	default:
		req := &contract.Request{Method: t.Method, URL: t.URL, Header: t.Header, Body: t.Body}
		if o.finalURL != "" {
			req.URL = o.finalURL
		}
		if t.Form != nil {
			req.Form = t.Form
		}
		ex := contract.Exchange{API: t.API, Operation: t.Operation.ID, Request: req,
			Status: o.status, Header: o.header, Body: o.body, Secrets: red}
		r.Report = c.cfg.Validator.Validate(ex)
		if len(r.Report.Violations) > 0 && len(o.body) <= report.MaxBodyShown {
			r.Body = ex.Credentials().RedactBytes(o.body) // for the html report
		}
	}
	return r
}
