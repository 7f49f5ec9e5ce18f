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

// The catalogue follows the code: moving a line to another file or package is fine (the mutation
// finds its text), but when a change rewrites or duplicates a line a mutation edits, this test
// fails in `make test`, long before anyone runs `make mutate` and finds the mutation stale.
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

			file, src, err := m.mutant(root)
			require.NoError(t, err)
			if file != m.file {
				t.Logf("found in %s, not %s: the code moved, and the mutation followed it", file, m.file)
			}
			original, err := os.ReadFile(filepath.Join(root, file))
			require.NoError(t, err)
			assert.NotEqual(t, string(original), src)
			_, err = parser.ParseFile(token.NewFileSet(), file, src, parser.SkipObjectResolution)
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

// Moving code to another file or package keeps a mutation alive; text that is gone or appears
// twice makes it stale.
func TestLocateFollowsTheTextWhenCodeMoves(t *testing.T) {
	root := t.TempDir()
	write := func(path, src string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, path), []byte(src), 0o644))
	}
	write("internal/a/a.go", "package a\n")
	write("internal/b/b.go", "package b\nfunc f() int { return 1 }\n")
	write("internal/b/b_test.go", "package b\n// return 1 in a test is never mutated\n")
	m := replace("m", "p", "internal/a/a.go", "return 1", "return 2")

	file, src, err := m.mutant(root)
	require.NoError(t, err)
	assert.Equal(t, "internal/b/b.go", file)
	assert.Equal(t, "package b\nfunc f() int { return 2 }\n", src)

	// Another receiver's like-looking line keeps another promise: it is never taken.
	other := replace("o", "p", "receiver/x/x.go", "return 3", "return 4")
	write("receiver/x/x.go", "package x\n")
	write("receiver/y/y.go", "package y\nfunc h() int { return 3 }\n")
	_, _, err = other.mutant(root)
	assert.ErrorContains(t, err, "occurs 0 times")

	write("receiver/c/c.go", "package c\nfunc g() int { return 1 }\n")
	_, _, err = m.mutant(root)
	assert.ErrorContains(t, err, "occurs 2 times in 2 files")
}

func TestVariantOf(t *testing.T) {
	assert.Equal(t, "example.com/p", variantOf("example.com/p [example.com/q.test]"))
	assert.Equal(t, "example.com/p", variantOf("example.com/p"))
}

func TestFailedTests(t *testing.T) {
	output := "--- FAIL: TestA (0.01s)\n    --- FAIL: TestA/sub (0.00s)\n--- FAIL: TestB (0.02s)\n--- FAIL: TestA (0.01s)\nFAIL\n"
	assert.Equal(t, []string{"TestA", "TestB"}, failedTests(output))

	timeout := "--- FAIL: TestC (0.01s)\npanic: test timed out after 30s\n\trunning tests:\n\t\tTestD (30s)\n\t\tTestD/sub (30s)\n\ngoroutine 7 [running]:\n"
	assert.Equal(t, []string{"TestC", "TestD (timeout)"}, failedTests(timeout))
	assert.Equal(t, []string{"(timeout)"}, failedTests("panic: test timed out after 30s\n"))
}
