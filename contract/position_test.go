package contract_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/taskmock/taskmock/contract"
)

func TestLineOf(t *testing.T) {
	body := []byte(`{
  "task": {
    "taskOperationId": "x",
    "statusCode": 9,
    "tags": [
      1,
      {"a/b": [true,
        null]}
    ]
  },
  "success": true
}`)
	for loc, want := range map[string]int{
		"/task":                 2,
		"/task/taskOperationId": 3,
		"/task/statusCode":      4,
		"/task/tags":            5,
		"/task/tags/0":          6,
		"/task/tags/1":          7,
		"/task/tags/1/a~1b":     7,
		"/task/tags/1/a~1b/1":   8,
		"/success":              11,
		"status":                1,
		"header/Content-Type":   1,
		"body":                  1,
	} {
		line, ok := contract.LineOf(body, loc)
		assert.True(t, ok, loc)
		assert.Equal(t, want, line, loc)
	}
	for _, loc := range []string{"/task/missing", "/task/tags/9", "/success/x"} {
		_, ok := contract.LineOf(body, loc)
		assert.False(t, ok, loc)
	}
	_, ok := contract.LineOf([]byte(`{"a":`), "/a")
	assert.False(t, ok)
	line, ok := contract.LineOf([]byte("\n\n  {\"a\": 1}"), "body")
	assert.True(t, ok)
	assert.Equal(t, 3, line)
}

func FuzzLineOf(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":2}]}`), "/a/1/b")
	f.Add([]byte(`[[[]]]`), "/0/0")
	f.Fuzz(func(t *testing.T, body []byte, loc string) {
		if len(body) > 1<<16 {
			return
		}
		line, ok := contract.LineOf(body, loc)
		if ok {
			assert.GreaterOrEqual(t, line, 1)
		}
	})
}
