package cli_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// The JSON report as a reader sees it: decoded strictly, so that a field
// added or renamed fails the tests that read it.
type (
	jsonReport struct {
		Summary jsonSummary  `json:"summary"`
		Results []jsonResult `json:"results"`
	}
	jsonSummary struct {
		Checked     int `json:"checked"`
		Passed      int `json:"passed"`
		Errors      int `json:"errors"`
		Warnings    int `json:"warnings"`
		Unreadable  int `json:"unreadable"`
		NotRecorded int `json:"notRecorded"`
		Notices     int `json:"notices"`
	}
	jsonResult struct {
		Source     string          `json:"source"`
		API        string          `json:"api"`
		Operation  string          `json:"operation"`
		Status     int             `json:"status"`
		Violations []jsonViolation `json:"violations"`
		Error      string          `json:"error"`
		Notice     string          `json:"notice"`
	}
	jsonViolation struct {
		Severity string `json:"severity"`
		Rule     string `json:"rule"`
		Location string `json:"location"`
		Message  string `json:"message"`
	}
)

// decodeStrict decodes data into v, refusing unknown fields.
func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "%s", data)
}
