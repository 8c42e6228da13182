package specs_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/pb33f/libopenapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/specs"
)

// components lists, per API, the components that other packages look up by
// name.
var components = map[specs.Name]struct {
	schemas, responses, securitySchemes []string
}{
	specs.Esri: {
		schemas:         []string{"GetTaskResponse", "Task", "ErrorResponse", "Error", "GetTaskForm"},
		responses:       []string{"GetTask"},
		securitySchemes: []string{"esriAuthorization", "esriToken"},
	},
	specs.Oracle: {
		schemas: []string{
			"Task", "Link", "IdentityCommon", "User", "UserOrAppClient", "GroupAndRole", "Reason",
			"TaskActions", "TaskAction", "ParentTaskDetail", "TaskTotalResultsGrouped", "Tag", "ErrorMessage",
		},
		responses:       []string{"Unauthorized", "NotFound", "TooManyRequests", "InternalServerError", "ServiceUnavailable"},
		securitySchemes: []string{"bearerAuth"},
	},
}

// seedFiles names, per API, the vendor's JSON example copied byte for byte
// into testdata.
var seedFiles = map[specs.Name]string{
	specs.Esri:   "esri-getTask-example.json",
	specs.Oracle: "oracle-get-task-example.json",
}

// formats are test stand-ins for the custom string formats the documents
// use; they accept what the documents' descriptions promise.
var formats = map[string]openapi3.StringFormatValidator{
	"esri-date-time": openapi3.NewCallbackValidator(func(s string) error {
		if s == "" {
			return nil
		}
		if !strings.HasSuffix(s, "Z") {
			return errors.New("not a UTC date-time")
		}
		_, err := time.Parse(time.RFC3339, s)
		return err
	}),
	"oracle-date-time": openapi3.NewCallbackValidator(func(s string) error {
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
			if _, err := time.Parse(layout, s); err == nil {
				return nil
			}
		}
		return errors.New("not a date-time with a Z, a numeric offset or no zone")
	}),
}

func load(t *testing.T, api specs.API) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Document())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

// okMedia returns the application/json media type of the operation's 200
// response.
func okMedia(t *testing.T, doc *openapi3.T, api specs.API) *openapi3.MediaType {
	t.Helper()
	op := doc.Paths.Find(api.OperationPath).GetOperation("GET")
	require.NotNil(t, op)
	ok := op.Responses.Value("200")
	require.NotNil(t, ok)
	media := ok.Value.Content.Get("application/json")
	require.NotNil(t, media)
	return media
}

func readSeed(t *testing.T, name specs.Name) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", seedFiles[name]))
	require.NoError(t, err)
	return b
}

func TestDocumentsLoadAndValidate(t *testing.T) {
	for _, api := range specs.All() {
		t.Run(string(api.Name), func(t *testing.T) {
			doc := load(t, api)
			assert.Equal(t, "3.0.3", doc.OpenAPI)

			item := doc.Paths.Find(api.OperationPath)
			require.NotNil(t, item, "path %s", api.OperationPath)
			var methods []string
			for m := range item.Operations() {
				methods = append(methods, m)
			}
			assert.ElementsMatch(t, api.Methods, methods)

			want := components[api.Name]
			for _, n := range want.schemas {
				assert.Contains(t, doc.Components.Schemas, n, "schema")
			}
			for _, n := range want.responses {
				assert.Contains(t, doc.Components.Responses, n, "response")
			}
			for _, n := range want.securitySchemes {
				assert.Contains(t, doc.Components.SecuritySchemes, n, "security scheme")
			}

			assert.NotContains(t, string(api.Document()), "additionalProperties: false",
				"vendors add fields: the validator reports unknown ones itself")
		})
	}
}

func TestDocumentsBuildWithLibopenapi(t *testing.T) {
	for _, api := range specs.All() {
		t.Run(string(api.Name), func(t *testing.T) {
			doc, err := libopenapi.NewDocument(api.Document())
			require.NoError(t, err)
			model, err := doc.BuildV3Model()
			require.NoError(t, err)

			item := model.Model.Paths.PathItems.GetOrZero(api.OperationPath)
			require.NotNil(t, item, "path %s", api.OperationPath)
			for _, m := range api.Methods {
				assert.NotNil(t, item.GetOperations().GetOrZero(strings.ToLower(m)), "method %s", m)
			}
			for _, n := range components[api.Name].schemas {
				assert.NotNil(t, model.Model.Components.Schemas.GetOrZero(n), "schema %s", n)
			}
		})
	}
}

func TestSeedExampleIsTheVendorExample(t *testing.T) {
	for _, api := range specs.All() {
		t.Run(string(api.Name), func(t *testing.T) {
			seed := okMedia(t, load(t, api), api).Examples["seed"]
			require.NotNil(t, seed)
			require.NotNil(t, seed.Value)
			got, err := json.Marshal(seed.Value.Value)
			require.NoError(t, err)
			assert.JSONEq(t, string(readSeed(t, api.Name)), string(got))
		})
	}
}

func TestSeedValidatesWithFormats(t *testing.T) {
	for _, api := range specs.All() {
		t.Run(string(api.Name), func(t *testing.T) {
			var body any
			require.NoError(t, json.Unmarshal(readSeed(t, api.Name), &body))
			schema := okMedia(t, load(t, api), api).Schema.Value
			assert.NoError(t, schema.VisitJSON(body, openapi3.MultiErrors(),
				openapi3.WithStringFormatValidators(formats)))
		})
	}
}

// TestSchemasRejectBadValues proves that the constraints the seeds pass are
// real: a documented enumeration, type or format that a value breaks fails.
func TestSchemasRejectBadValues(t *testing.T) {
	tests := []struct {
		name    string
		api     specs.Name
		pointer []string // object keys from the body's root to the member to change
		value   any
	}{
		{"esri planned date", specs.Esri, []string{"task", "startOn"}, "2025-09-26T25:13:17Z"},
		{"esri local date", specs.Esri, []string{"task", "endOn"}, "2025-09-30T23:13:17+02:00"},
		{"esri status code type", specs.Esri, []string{"task", "statusCode"}, "0"},
		{"esri missing success", specs.Esri, []string{"success"}, nil},
		{"oracle state", specs.Oracle, []string{"state"}, "DONE"},
		{"oracle substate", specs.Oracle, []string{"substate"}, "expired"},
		{"oracle priority", specs.Oracle, []string{"priority"}, 4.0},
		{"oracle identity type", specs.Oracle, []string{"createdBy", "type"}, "GROUP"},
		{"oracle reason action", specs.Oracle, []string{"reason", "action"}, "EXPIRE"},
		{"oracle date", specs.Oracle, []string{"dueDate"}, "2024-02-30T07:51:16.000+00:00"},
		{"oracle reason date", specs.Oracle, []string{"reason", "date"}, "13/08/2024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, err := specs.Get(string(tt.api))
			require.NoError(t, err)
			var body any
			require.NoError(t, json.Unmarshal(readSeed(t, tt.api), &body))
			obj := body.(map[string]any)
			last := len(tt.pointer) - 1
			for _, k := range tt.pointer[:last] {
				obj = obj[k].(map[string]any)
			}
			if tt.value == nil {
				delete(obj, tt.pointer[last])
			} else {
				obj[tt.pointer[last]] = tt.value
			}

			schema := okMedia(t, load(t, api), api).Schema.Value
			assert.Error(t, schema.VisitJSON(body, openapi3.WithStringFormatValidators(formats)))
		})
	}
}

func TestGet(t *testing.T) {
	tests := []struct {
		in   string
		want specs.Name
	}{
		{"esri", specs.Esri},
		{"ESRI", specs.Esri},
		{"Oracle", specs.Oracle},
		{" oracle ", specs.Oracle},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			api, err := specs.Get(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, api.Name)
		})
	}

	t.Run("unknown", func(t *testing.T) {
		_, err := specs.Get("acme")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"acme"`)
		assert.Contains(t, err.Error(), "esri, oracle")
	})
}
