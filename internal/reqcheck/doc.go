// Package reqcheck checks requests to the operations of the two task APIs
// against the embedded OpenAPI documents: the parameters of an Esri
// operation (from the query string or a form-encoded body, as ArcGIS
// clients send them), and the path and JSON body of an Oracle operation.
//
// It is the one package that compiles the documents with kin-openapi; what
// it reports is the project's own Problem type, never a library error.
// Build one Checker with New and share it: it is safe for concurrent use.
//
// Credentials are not judged (the documents' security schemes are left to
// the caller, who knows what it accepts), and the path is not matched: the
// caller routes the request (see specs.Match) and names the operation.
//
// A Checker never keeps a request's body from the handler that serves it:
// Check reads at most its body limit and puts back what it read, so the
// body reads again whole, and it never reports a credential's value.
package reqcheck
