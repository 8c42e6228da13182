// Package check makes live requests to the documented operations of the
// task APIs and judges each answer against the contract: the library
// behind taskmock check.
//
// Build the requests with EsriTarget, OracleTarget, OracleReassignTarget
// or OracleBulkTarget (CheckRequest checks one against its operation's
// documentation before anything is sent), then run them with a Checker:
//
//	c, err := check.New(check.Config{Secrets: red})
//	results := c.Run(ctx, targets)
//	out, err := report.Render(report.FormatJUnit, results, report.Options{})
//
// A Checker retries 429, 503, ArcGIS's own 429/503 envelopes (answered with
// HTTP 200) and connection errors, waiting as Retry-After says (at most
// MaxWait); it never sends a mutating request again after a connection
// error. It follows at most MaxRedirects redirects, and credentials stay
// with the host they were given for: credential headers are dropped on a
// redirect to another host, and a POST whose form holds the token is not
// sent there at all. A body over Config.MaxBody is not read further.
//
// Every text a Checker returns (sources, retry notes, redirects, error
// messages, violation messages) has the run's secrets redacted: those of
// Config.Secrets and the credentials of each target.
package check
