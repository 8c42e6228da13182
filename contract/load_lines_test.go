package contract_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
)

// TestItemLines: an item names the file it was read from and places a
// location of its body at the line where its value is written: in a JSON
// file, an element of a JSON array, an NDJSON line, and the response or
// the request of a Pact interaction; in a HAR, at the line where its entry
// starts; a stream has no file.
func TestItemLines(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	walk := func(path string) []contract.Item {
		var items []contract.Item
		_, err := contract.Walk(path, contract.LoadOptions{}, func(it contract.Item) error {
			items = append(items, it)
			return nil
		})
		require.NoError(t, err)
		return items
	}
	oracle := func(state string) string {
		return `{"id": "1", "title": "t",
  "state": "` + state + `"}`
	}

	one := write("one.json", "\n\n"+oracle("X"))
	items := walk(one)
	require.Len(t, items, 1)
	assert.Equal(t, one, items[0].File)
	assert.Equal(t, 4, items[0].Line("/state"))
	assert.Equal(t, 3, items[0].Line("/id"))
	assert.Equal(t, 3, items[0].Line("body"), "a location that is not a pointer is the body's first line")
	assert.Equal(t, 0, items[0].Line("/missing"))

	arr := write("arr.json", "[\n"+oracle("A")+",\n"+oracle("B")+"\n]")
	items = walk(arr)
	require.Len(t, items, 2)
	assert.Equal(t, 3, items[0].Line("/state"))
	assert.Equal(t, 5, items[1].Line("/state"))
	assert.Equal(t, arr, items[1].File)

	nd := write("tasks.ndjson", `{"id": "1", "title": "t", "state": "A"}`+"\n\n"+`{"id": "2", "title": "t", "state": "B"}`+"\n")
	items = walk(nd)
	require.Len(t, items, 2)
	assert.Equal(t, 1, items[0].Line("/state"))
	assert.Equal(t, 3, items[1].Line("/state"))

	pact := write("pact.json", `{
  "metadata": {"pactSpecification": {"version": "3.0.0"}},
  "interactions": [
    {"description": "get",
     "request": {"method": "GET", "path": "/process/api/v1/tasks/1"},
     "response": {"status": 200,
       "body": {"id": "1",
         "state": "X"}}},
    {"description": "reassign",
     "request": {"method": "POST", "path": "/process/api/v1/tasks/1/reassign",
       "body": {"identities": [{"id": "a",
         "type": "user"}]}},
     "response": {"status": 204}}
  ]
}`)
	items = walk(pact)
	require.Len(t, items, 2)
	assert.Equal(t, 8, items[0].Line("/state"))
	assert.Equal(t, 12, items[1].Line("request/body.identities[0].type"))
	assert.Equal(t, 10, items[1].Line("request/body.nothing"), "an unknown member: the request's line")
	assert.Equal(t, 10, items[1].Line("request"))

	har := write("rec.har", `{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
  {"request": {"method": "GET", "url": "https://opa.example.com/process/api/v1/tasks/1", "headers": []},
   "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{\"id\": \"1\",\n\"state\": \"X\"}"}}},

  {"request": {"method": "GET", "url": "https://opa.example.com/process/api/v1/tasks/2", "headers": []},
   "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{\"id\": \"2\", \"state\": \"`+strings.Repeat("x", 70<<10)+`\"}"}}}
  ,
  {"request": {"method": "GET", "url": "https://opa.example.com/process/api/v1/tasks/3", "headers": []},
   "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{}"}}}]}}`)
	items = walk(har)
	require.Len(t, items, 3)
	assert.Equal(t, har, items[0].File)
	// Inside an entry's recorded text a value has no line of the file: it
	// is placed where its entry starts, past a long string and a comma on
	// a line of its own.
	assert.Equal(t, 2, items[0].Line("/state"))
	assert.Equal(t, 5, items[1].Line("/state"))
	assert.Equal(t, 8, items[2].Line("/state"))

	var streamed []contract.Item
	_, err := contract.ReadStream("-", strings.NewReader(oracle("X")), contract.LoadOptions{}, func(it contract.Item) error {
		streamed = append(streamed, it)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, streamed, 1)
	assert.Empty(t, streamed[0].File)
	assert.Equal(t, 2, streamed[0].Line("/state"))
}
