// Package specs owns the hand-written OpenAPI 3.0.3 documents of the two task
// APIs that taskmock knows, embedded in the binary, and the registry that
// names them and their operations: "esri" (ArcGIS Topographic Production
// Server: workflows/tasks getTask, updateTask, executeTaskJob and
// workflows/taskgroups hasNextTask, getTaskGroups) and "oracle" (OCI Process
// Automation: Get a Task, Reassign a Task, Reassign Tasks).
//
// The registry is the one place that knows each operation's id, methods and
// path template; Match routes a request's method and path to its operation
// by the one rule every tool follows (any prefix before
// "/TopographicProductionServer/", "/process/api/v1/tasks/..." for Oracle).
//
// The package knows the documents and nothing else: it parses nothing and
// imports no OpenAPI library. The contract package compiles the documents
// for responses, internal/reqcheck for requests; the mock server and the CLI
// ask this package for the bytes and the facts.
package specs
