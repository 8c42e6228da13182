package specs

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed esri-tps-gettask.yaml oracle-opa-get-task.yaml
var files embed.FS

// Name identifies one API in the registry.
type Name string

// The APIs taskmock knows.
const (
	Esri   Name = "esri"
	Oracle Name = "oracle"
)

// API describes one embedded OpenAPI document and the operations it
// documents.
type API struct {
	// Name is the registry key: "esri" or "oracle".
	Name Name
	// Title is a human-readable name of the API's main operation.
	Title string
	// Filename is the document's file name, as written by "specs export".
	Filename string
	// OperationPath is the path template of the getTask operation, the
	// first of Operations. For Esri it is the suffix that follows a
	// deployment's service root.
	OperationPath string
	// Methods are the HTTP methods the document describes for getTask.
	Methods []string
	// Operations are every operation the document describes, getTask first.
	Operations []Operation
}

// Operation describes one operation of an API's document.
type Operation struct {
	// ID is the operation's stable name, the operationId of its GET (or
	// only) method in the document: "getTask", "updateTask", "reassignTask".
	ID string
	// Summary is the vendor's one-line title of the operation.
	Summary string
	// Methods are the HTTP methods the document describes, GET first.
	Methods []string
	// Path is the path template in the document. For Esri it is the suffix
	// that follows a deployment's service root, starting with
	// "/TopographicProductionServer/"; for Oracle the whole path, with
	// "{id}" for the task id.
	Path string
	// Mutating is true for an operation that changes the server's state:
	// tools call it only when asked to by name.
	Mutating bool
}

// The operation ids of the registry.
const (
	OpGetTask        = "getTask"        // esri, oracle
	OpUpdateTask     = "updateTask"     // esri
	OpExecuteTaskJob = "executeTaskJob" // esri
	OpHasNextTask    = "hasNextTask"    // esri
	OpGetTaskGroups  = "getTaskGroups"  // esri
	OpReassignTask   = "reassignTask"   // oracle: POST /tasks/{id}/reassign
	OpReassignTasks  = "reassignTasks"  // oracle: POST /tasks/reassign (bulk)
)

// EsriRoot is the path segment that ends a deployment's own prefix in every
// Esri operation path: anything may come before it.
const EsriRoot = "/TopographicProductionServer/"

var esriOps = []Operation{
	{ID: OpGetTask, Summary: "Return details about a task", Methods: []string{"GET", "POST"},
		Path: "/TopographicProductionServer/workflows/tasks/getTask"},
	{ID: OpUpdateTask, Summary: "Update the status of a task operation", Methods: []string{"GET", "POST"},
		Path: "/TopographicProductionServer/workflows/tasks/updateTask", Mutating: true},
	{ID: OpExecuteTaskJob, Summary: "Execute the task job of a task group job", Methods: []string{"GET", "POST"},
		Path: "/TopographicProductionServer/workflows/tasks/executeTaskJob", Mutating: true},
	{ID: OpHasNextTask, Summary: "Tell whether a task group job has tasks left", Methods: []string{"GET", "POST"},
		Path: "/TopographicProductionServer/workflows/taskgroups/hasNextTask"},
	{ID: OpGetTaskGroups, Summary: "Return task groups", Methods: []string{"GET", "POST"},
		Path: "/TopographicProductionServer/workflows/taskgroups/getTaskGroups"},
}

var oracleOps = []Operation{
	{ID: OpGetTask, Summary: "Get a Task", Methods: []string{"GET"},
		Path: "/process/api/v1/tasks/{id}"},
	{ID: OpReassignTask, Summary: "Reassign a Task", Methods: []string{"POST"},
		Path: "/process/api/v1/tasks/{id}/reassign", Mutating: true},
	{ID: OpReassignTasks, Summary: "Reassign Tasks", Methods: []string{"POST"},
		Path: "/process/api/v1/tasks/reassign", Mutating: true},
}

var registry = map[Name]API{
	Esri: {
		Name:          Esri,
		Title:         "Esri ArcGIS Topographic Production Server: workflows/tasks/getTask",
		Filename:      "esri-tps-gettask.yaml",
		OperationPath: esriOps[0].Path,
		Methods:       esriOps[0].Methods,
		Operations:    esriOps,
	},
	Oracle: {
		Name:          Oracle,
		Title:         "Oracle OCI Process Automation: Get a Task",
		Filename:      "oracle-opa-get-task.yaml",
		OperationPath: oracleOps[0].Path,
		Methods:       oracleOps[0].Methods,
		Operations:    oracleOps,
	},
}

// Names returns the registry keys in sorted order.
func Names() []Name {
	names := make([]Name, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	return names
}

// All returns every API of the registry, sorted by name.
func All() []API {
	all := make([]API, 0, len(registry))
	for _, n := range Names() {
		all = append(all, registry[n])
	}
	return all
}

// Get returns the API registered under name (case-insensitive), or an error
// that lists the known names.
func Get(name string) (API, error) {
	api, ok := registry[Name(strings.ToLower(strings.TrimSpace(name)))]
	if !ok {
		return API{}, fmt.Errorf("unknown API %q (known: %s)", name, knownNames())
	}
	return api, nil
}

// Document returns the bytes of the API's OpenAPI document (YAML).
// The slice is a fresh copy: callers may keep or modify it.
func (a API) Document() []byte {
	b, err := files.ReadFile(a.Filename)
	if err != nil {
		// The file list is fixed at compile time by the embed directive.
		panic("specs: embedded document missing: " + a.Filename)
	}
	return b
}

// Operation returns the API's operation with the id (case-insensitive), or
// an error that lists the API's operations.
func (a API) Operation(id string) (Operation, error) {
	id = strings.TrimSpace(id)
	for _, op := range a.Operations {
		if strings.EqualFold(op.ID, id) {
			return op, nil
		}
	}
	ids := make([]string, len(a.Operations))
	for i, op := range a.Operations {
		ids[i] = op.ID
	}
	return Operation{}, fmt.Errorf("unknown %s operation %q (known: %s)", a.Name, id, strings.Join(ids, ", "))
}

// Allows reports whether the operation accepts the HTTP method (exact, as
// methods are in HTTP).
func (o Operation) Allows(method string) bool {
	for _, m := range o.Methods {
		if m == method {
			return true
		}
	}
	return false
}

func knownNames() string {
	var s []string
	for _, n := range Names() {
		s = append(s, string(n))
	}
	return strings.Join(s, ", ")
}
