package specs_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/specs"
)

// TestOperationsAreInTheDocuments proves the registry and the documents
// agree: every operation's path is in its document with exactly its
// methods, and every path of a document is an operation of the registry.
func TestOperationsAreInTheDocuments(t *testing.T) {
	for _, api := range specs.All() {
		t.Run(string(api.Name), func(t *testing.T) {
			doc := load(t, api)
			require.NotEmpty(t, api.Operations)
			assert.Equal(t, specs.OpGetTask, api.Operations[0].ID)
			assert.Equal(t, api.OperationPath, api.Operations[0].Path)
			assert.Equal(t, api.Methods, api.Operations[0].Methods)
			paths := map[string]bool{}
			for _, op := range api.Operations {
				paths[op.Path] = true
				item := doc.Paths.Find(op.Path)
				require.NotNil(t, item, "path %s", op.Path)
				var methods []string
				for m := range item.Operations() {
					methods = append(methods, m)
				}
				assert.ElementsMatch(t, op.Methods, methods, op.ID)
				first := item.GetOperation(op.Methods[0])
				assert.Equal(t, op.ID, first.OperationID, "the registry id is the document's operationId")
				if api.Name == specs.Esri {
					assert.True(t, strings.HasPrefix(op.Path, specs.EsriRoot), op.Path)
				}
				got, err := api.Operation(strings.ToUpper(op.ID))
				require.NoError(t, err)
				assert.Equal(t, op, got)
			}
			for p := range doc.Paths.Map() {
				assert.True(t, paths[p], "path %s of the document is not in the registry", p)
			}
		})
	}
	_, err := specs.All()[1].Operation("claimTask")
	assert.EqualError(t, err, `unknown oracle operation "claimTask" (known: getTask, reassignTask, reassignTasks)`)
}

// TestSiblingExamplesValidate: the examples of every operation's responses
// and request bodies validate against their schemas.
func TestSiblingExamplesValidate(t *testing.T) {
	for _, api := range specs.All() {
		doc := load(t, api)
		for _, op := range api.Operations {
			item := doc.Paths.Find(op.Path)
			for _, m := range op.Methods {
				o := item.GetOperation(m)
				var media []*openapi3.MediaType
				for _, r := range o.Responses.Map() {
					for _, mt := range r.Value.Content {
						media = append(media, mt)
					}
				}
				if o.RequestBody != nil {
					for _, mt := range o.RequestBody.Value.Content {
						media = append(media, mt)
					}
				}
				for _, mt := range media {
					for name, ex := range mt.Examples {
						t.Run(string(api.Name)+"/"+op.ID+"/"+m+"/"+name, func(t *testing.T) {
							err := mt.Schema.Value.VisitJSON(ex.Value.Value, openapi3.WithStringFormatValidators(formats),
								openapi3.VisitAsRequest())
							assert.NoError(t, err)
						})
					}
				}
			}
		}
	}
}

func TestMatch(t *testing.T) {
	const tps = "https://example.com/arcgis/rest/services/S/MapServer/exts/TopographicProductionServer/workflows/"
	tests := []struct {
		method, url string
		api         specs.Name
		op, id      string
	}{
		{"GET", tps + "tasks/getTask?f=json", specs.Esri, specs.OpGetTask, ""},
		{"POST", "/TopographicProductionServer/workflows/tasks/getTask/", specs.Esri, specs.OpGetTask, ""},
		{"POST", tps + "tasks/updateTask", specs.Esri, specs.OpUpdateTask, ""},
		{"GET", tps + "tasks/executeTaskJob", specs.Esri, specs.OpExecuteTaskJob, ""},
		{"GET", tps + "taskgroups/hasNextTask", specs.Esri, specs.OpHasNextTask, ""},
		{"GET", tps + "taskGroups/hasNextTask", specs.Esri, specs.OpHasNextTask, ""},
		{"POST", tps + "TASKGROUPS/GETTASKGROUPS", specs.Esri, specs.OpGetTaskGroups, ""},
		{"GET", "/process/api/v1/tasks/1f15bc3a?totalResultsGrouped=true", specs.Oracle, specs.OpGetTask, "1f15bc3a"},
		{"GET", "http://h:9/process/api/v1/tasks/a%2Fb", specs.Oracle, specs.OpGetTask, "a/b"},
		{"POST", "/process/api/v1/tasks/1f15bc3a/reassign", specs.Oracle, specs.OpReassignTask, "1f15bc3a"},
		{"POST", "/process/api/v1/tasks/reassign", specs.Oracle, specs.OpReassignTasks, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			r, ok := specs.Match(tt.method, tt.url)
			require.True(t, ok)
			assert.Equal(t, tt.api, r.API)
			assert.Equal(t, tt.op, r.Operation.ID)
			assert.Equal(t, tt.id, r.TaskID)
		})
	}
	for _, miss := range []struct{ method, url string }{
		{"DELETE", tps + "tasks/getTask"},
		{"get", tps + "tasks/getTask"},
		{"GET", tps + "tasks/listTasks"},
		{"GET", tps + "tasks/getTask/x"},
		{"GET", "/process/api/v1/tasks/reassign"},
		{"GET", "/process/api/v1/tasks/"},
		{"GET", "/process/api/v1/tasks/1/comments"},
		{"GET", "/process/api/v1/tasks/1/reassign"},
		{"POST", "/process/api/v1/tasks//reassign"},
		{"POST", "/v2/process/api/v1/tasks/1/reassign"},
	} {
		_, ok := specs.Match(miss.method, miss.url)
		assert.False(t, ok, "%s %s", miss.method, miss.url)
	}
	r, ok := specs.MatchPath("/process/api/v1/tasks/reassign")
	require.True(t, ok)
	assert.Equal(t, specs.OpReassignTasks, r.Operation.ID, "a fixed segment wins over {id}")
}
