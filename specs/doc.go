// Package specs owns the hand-written OpenAPI 3.0.3 documents of the two task
// APIs that taskmock knows, embedded in the binary, and the registry that
// names them: "esri" (ArcGIS Topographic Production Server getTask) and
// "oracle" (OCI Process Automation Get a Task).
//
// The package knows the documents and nothing else: it parses nothing and
// imports no OpenAPI library. The contract package compiles the documents;
// the mock server and the CLI ask this package for the bytes and the facts.
package specs
