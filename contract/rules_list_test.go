package contract_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
)

// TestRulesAreTheREADMEs: the rules Rules lists are the ids of the
// README's table, in its order, once each.
func TestRulesAreTheREADMEs(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| (`[a-z0-9-]+`(?:, `[a-z0-9-]+`)*) \\| (?:error|warning)")
	id := regexp.MustCompile("`([a-z0-9-]+)`")
	var table []contract.Rule
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		for _, r := range id.FindAllStringSubmatch(m[1], -1) {
			table = append(table, contract.Rule(r[1]))
		}
	}
	seen := map[contract.Rule]bool{}
	for _, r := range contract.Rules() {
		assert.False(t, seen[r], "%s twice", r)
		assert.NotEmpty(t, contract.RuleDescription(r), "%s has a description", r)
		seen[r] = true
	}
	assert.ElementsMatch(t, table, contract.Rules())
}
