package contract_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

func newValidator(t testing.TB, opts ...contract.Option) *contract.Validator {
	t.Helper()
	v, err := contract.New(opts...)
	require.NoError(t, err)
	return v
}

func seedBody(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seeds", name))
	require.NoError(t, err)
	return b
}

func TestSeedExamplesHaveNoViolations(t *testing.T) {
	v := newValidator(t, contract.Strict(true))
	for _, tc := range []struct {
		api  specs.Name
		file string
	}{
		{specs.Esri, "esri-getTask-example.json"},
		{specs.Oracle, "oracle-get-task-example.json"},
	} {
		t.Run(string(tc.api), func(t *testing.T) {
			rep := v.Validate(contract.Exchange{API: tc.api, Status: 200, Body: seedBody(t, tc.file)})
			assert.Empty(t, rep.Violations)
			assert.True(t, rep.Passed(true))
		})
	}
}
