// Package contract is taskmock's single judge of conformance: it checks a
// response of any operation of the two task APIs (getTask and its sibling
// operations, see specs.API.Operations) against the embedded OpenAPI
// documents (through libopenapi-validator) and against the semantic rules
// the vendors' documentation implies, and it loads recorded traffic (JSON
// bodies, HAR files, raw HTTP responses as printed by curl -si, directories).
//
// The rule table in rules.go is the one source of truth for cross-field
// invariants (Esri status mapping, Oracle state/substate pairs, date order):
// the validator reads it, and so does the fake-task generator.
package contract
