package proxy

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keys lists the member names of a JSON object in the order they are written.
func keys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	v, err := decodeOrdered(dec)
	require.NoError(t, err)
	var ks []string
	for _, m := range v.(object) {
		ks = append(ks, m.key)
	}
	return ks
}

func TestAnonymizeKeepsFieldOrder(t *testing.T) {
	in := []byte(`{"links":[{"href":"http://h/process/api/v1/tasks/1","rel":"self"}],"id":"1","title":"Approve expenses of Jane Roe","createdBy":{"id":"20c0862f-fd35-40ca-a70d-03d0faac45a9","name":"Jane Roe","type":"USER"},"priority":2,"tags":[],"reason":{}}`)
	out, err := newAnonymizer().body(in)
	require.NoError(t, err)
	assert.Equal(t, keys(t, in), keys(t, out))
	assert.NotContains(t, string(out), "Jane Roe")
	assert.Contains(t, string(out), `"tags":[]`)
	assert.Contains(t, string(out), `"reason":{}`)
	assert.Contains(t, string(out), `"priority":2`)
}
