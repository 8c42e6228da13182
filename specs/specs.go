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

// API describes one embedded OpenAPI document and the operation it documents.
type API struct {
	// Name is the registry key: "esri" or "oracle".
	Name Name
	// Title is a human-readable name of the operation.
	Title string
	// Filename is the document's file name, as written by "specs export".
	Filename string
	// OperationPath is the path template of the operation in the document.
	// For Esri it is the suffix that follows a deployment's service root.
	OperationPath string
	// Methods are the HTTP methods the document describes for the operation.
	Methods []string
}

var registry = map[Name]API{
	Esri: {
		Name:          Esri,
		Title:         "Esri ArcGIS Topographic Production Server: workflows/tasks/getTask",
		Filename:      "esri-tps-gettask.yaml",
		OperationPath: "/TopographicProductionServer/workflows/tasks/getTask",
		Methods:       []string{"GET", "POST"},
	},
	Oracle: {
		Name:          Oracle,
		Title:         "Oracle OCI Process Automation: Get a Task",
		Filename:      "oracle-opa-get-task.yaml",
		OperationPath: "/process/api/v1/tasks/{id}",
		Methods:       []string{"GET"},
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

func knownNames() string {
	var s []string
	for _, n := range Names() {
		s = append(s, string(n))
	}
	return strings.Join(s, ", ")
}
