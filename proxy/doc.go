// Package proxy is the validating, recording reverse proxy of taskmock: an
// http.Handler that forwards every request to a real server of the task
// APIs, validates the responses of the two operations with package
// contract (other paths pass through untouched), says what it found in a
// Taskmock-Violations header, and in enforce mode replaces a response that
// fails the contract by a 502 listing the violations. A Recorder writes the
// exchanges to a HAR file and the task bodies as fixture files that the
// mock serves, with credentials redacted and, on request, personal data
// anonymized.
package proxy
