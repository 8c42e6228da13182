package textutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPlural(t *testing.T) {
	assert.Equal(t, "1 error", Plural(1, "error"))
	assert.Equal(t, "0 errors", Plural(0, "error"))
	assert.Equal(t, "3 HAR entries", Plural(3, "HAR entry"))
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "a b c d e", OneLine("a\nb\x1bc\u2028d\xffe"))
	assert.Equal(t, "keeps \uFFFD", OneLine("keeps \uFFFD"), "a real U+FFFD is kept")
}
