package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The catalogue follows the code: when a change moves a line a mutation edits, this test fails
// in `make test`, long before anyone runs `make mutate` and finds the mutation stale.
func TestEveryMutationAppliesToTheCode(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	name := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			assert.Regexp(t, name, m.name)
			assert.False(t, seen[m.name], "names are unique")
			seen[m.name] = true
			assert.NotEmpty(t, m.promise)
			require.NotEmpty(t, m.edits)

			original, err := os.ReadFile(filepath.Join(root, m.file))
			require.NoError(t, err)
			src, err := m.mutant(root)
			require.NoError(t, err)
			assert.NotEqual(t, string(original), src)
			_, err = parser.ParseFile(token.NewFileSet(), m.file, src, parser.SkipObjectResolution)
			assert.NoError(t, err, "the mutant is Go")
		})
	}
}

func TestApplyRefusesAnEditThatIsNotFoundExactlyOnce(t *testing.T) {
	m := replace("m", "p", "f.go", "x", "y")
	_, err := m.apply("a x and another x")
	assert.ErrorContains(t, err, "occurs 2 times")
	_, err = m.apply("nothing")
	assert.ErrorContains(t, err, "occurs 0 times")
	got, err := m.apply("one x")
	require.NoError(t, err)
	assert.Equal(t, "one y", got)
}

func TestVariantOf(t *testing.T) {
	assert.Equal(t, "example.com/p", variantOf("example.com/p [example.com/q.test]"))
	assert.Equal(t, "example.com/p", variantOf("example.com/p"))
}
