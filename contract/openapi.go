package contract

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/specs"
)

// Component schema names the validator looks up in the documents.
const (
	esriSuccessSchema    = "GetTaskResponse"
	esriErrorSchema      = "ErrorResponse"
	esriUpdateSchema     = "UpdateTaskResponse"
	esriExecuteSchema    = "ExecuteTaskJobResponse"
	esriNextSchema       = "HasNextTaskResponse"
	esriGroupsSchema     = "GetTaskGroupsResponse"
	oracleTaskSchema     = "Task"
	oracleErrorSchema    = "ErrorMessage"
	oracleBulkSchema     = "BulkReassignResponse"
	openAPISchemaDialect = 3.0
)

// apiModel is what the validator needs of one document, compiled once.
type apiModel struct {
	api specs.API
	// ops holds each operation of the registry by id.
	ops map[string]*opModel
	// schemas holds the compiled component schemas by name.
	schemas map[string]*bodySchema
}

// opModel is what the validator needs of one operation.
type opModel struct {
	op specs.Operation
	// operation is "GET|POST /path" for messages.
	operation string
	// statuses maps each documented status code to its media types.
	statuses map[int][]string
}

// bodySchema is one compiled schema and its property tree.
type bodySchema struct {
	compiled *jsonschema.Schema
	shape    *shape
	// pre vouches for the bodies that certainly pass compiled, sparing
	// the library's run; nil when the schema uses what it does not handle.
	pre *precheck
}

// shape is the tree of declared properties of a schema, used to find the
// properties a body has that the documentation does not list.
type shape struct {
	props map[string]*shape
	items *shape
	// open is true where the schema declares no properties (anything goes).
	open bool
}

func compileAPI(api specs.API, opts *config.ValidationOptions, names ...string) (*apiModel, error) {
	doc, err := libopenapi.NewDocument(api.Document())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", api.Filename, err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", api.Filename, err)
	}
	if model == nil {
		return nil, fmt.Errorf("%s: no OpenAPI 3 model", api.Filename)
	}
	m := &apiModel{api: api, ops: map[string]*opModel{}, schemas: map[string]*bodySchema{}}
	for _, op := range api.Operations {
		om, err := readOperation(&model.Model, op)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", api.Filename, err)
		}
		m.ops[op.ID] = om
	}
	for _, name := range names {
		proxy, ok := model.Model.Components.Schemas.Get(name)
		if !ok || proxy == nil {
			return nil, fmt.Errorf("%s: components.schemas.%s is missing", api.Filename, name)
		}
		schema := proxy.Schema()
		if schema == nil {
			return nil, fmt.Errorf("%s: components.schemas.%s: %v", api.Filename, name, proxy.GetBuildError())
		}
		c, err := schema_validation.CompileSchemaForValidation(schema, schema_validation.SchemaValidationPurposeResponseBody, opts, openAPISchemaDialect)
		if err != nil {
			return nil, fmt.Errorf("%s: compiling %s: %w", api.Filename, name, err)
		}
		pre, _ := compilePrecheck(schema, 0) // an error only means: always ask the library
		m.schemas[name] = &bodySchema{compiled: c.CompiledSchema, shape: buildShape(schema, 0), pre: pre}
	}
	return m, nil
}

func readOperation(doc *v3.Document, o specs.Operation) (*opModel, error) {
	if doc.Paths == nil {
		return nil, fmt.Errorf("no paths")
	}
	item, ok := doc.Paths.PathItems.Get(o.Path)
	if !ok || item == nil {
		return nil, fmt.Errorf("path %s is missing", o.Path)
	}
	m := &opModel{op: o, statuses: map[int][]string{}}
	m.operation = strings.Join(o.Methods, "|") + " " + o.Path
	for _, method := range o.Methods {
		var op *v3.Operation
		switch method {
		case "GET":
			op = item.Get
		case "POST":
			op = item.Post
		}
		if op == nil || op.Responses == nil {
			return nil, fmt.Errorf("%s %s has no responses", method, o.Path)
		}
		for code, resp := range op.Responses.Codes.FromOldest() {
			n, err := strconv.Atoi(code)
			if err != nil {
				continue // ranges such as 5XX are not used by these documents
			}
			var types []string
			if resp != nil && resp.Content != nil {
				for mt := range resp.Content.KeysFromOldest() {
					types = append(types, mt)
				}
			}
			m.statuses[n] = types
		}
	}
	return m, nil
}

// documented lists the documented status codes in order.
func (m *opModel) documented() string {
	codes := make([]int, 0, len(m.statuses))
	for c := range m.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ", ")
}

// buildShape walks a schema's properties, allOf members and array items.
func buildShape(s *base.Schema, depth int) *shape {
	sh := &shape{props: map[string]*shape{}}
	if s == nil || depth > 32 {
		sh.open = true
		return sh
	}
	mergeShape(sh, s, depth)
	if len(sh.props) == 0 && sh.items == nil {
		sh.open = true
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.IsA() {
		sh.open = true // a schema for extra properties: they are declared
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		sh.open = true
	}
	return sh
}

func mergeShape(sh *shape, s *base.Schema, depth int) {
	if s.Properties != nil {
		for name, p := range s.Properties.FromOldest() {
			sh.props[name] = buildShape(p.Schema(), depth+1)
		}
	}
	for _, member := range s.AllOf {
		if ms := member.Schema(); ms != nil {
			mergeShape(sh, ms, depth+1)
		}
	}
	if s.Items != nil && s.Items.IsA() {
		sh.items = buildShape(s.Items.A.Schema(), depth+1)
	}
}

// undeclared appends a violation for every property of data that the shape
// does not declare, at any depth. path holds the reference tokens of data;
// the JSON Pointer is built only for a property to report. It follows the
// shape, so it recurses no deeper than the schema (buildShape stops at 32
// levels), and never deeper than jsonlimit.DefaultMaxDepth whatever data is.
func (sh *shape) undeclared(data any, path []string, add func(ptr, name string)) {
	if sh == nil || sh.open || len(path) >= jsonlimit.DefaultMaxDepth {
		return
	}
	switch v := data.(type) {
	case map[string]any:
		// Map order is random: the caller sorts what it is handed.
		for k, val := range v {
			child, ok := sh.props[k]
			if !ok {
				add(pointer(append(path, k)), k)
				continue
			}
			if child.open {
				continue
			}
			child.undeclared(val, append(path, k), add)
		}
	case []any:
		if sh.items == nil || sh.items.open {
			return
		}
		for i, e := range v {
			sh.items.undeclared(e, append(path, strconv.Itoa(i)), add)
		}
	}
}

// escapePointer escapes one JSON Pointer reference token (RFC 6901).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// pointer joins reference tokens into a JSON Pointer.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapePointer(t))
	}
	return b.String()
}
