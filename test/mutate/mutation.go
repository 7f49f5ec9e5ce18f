package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// mutation breaks one promise with a small edit of one file.
type mutation struct {
	// name selects the mutation with -run; stable, so that reports can be compared.
	name string
	// promise is what the edit breaks, in the words of SPEC.md.
	promise string
	// file is relative to the module root.
	file  string
	edits []edit
}

// edit replaces old, which must occur exactly once in the file as the earlier edits left it.
type edit struct{ old, new string }

// replace is a mutation of a single edit.
func replace(name, promise, file, old, new string) mutation {
	return mutation{name: name, promise: promise, file: file, edits: []edit{{old, new}}}
}

// apply returns src with the mutation's edits. An edit whose text is not found exactly once is an
// error: the code moved on, and the mutation must follow it rather than silently test nothing.
func (m mutation) apply(src string) (string, error) {
	for i, e := range m.edits {
		if n := strings.Count(src, e.old); n != 1 {
			return "", fmt.Errorf("mutation %s: edit %d: %q occurs %d times in %s, want once; update test/mutate/mutations.go", m.name, i+1, e.old, n, m.file)
		}
		src = strings.Replace(src, e.old, e.new, 1)
	}
	return src, nil
}

// mutant reads the mutation's file under root and returns it mutated.
func (m mutation) mutant(root string) (string, error) {
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.file)))
	if err != nil {
		return "", fmt.Errorf("mutation %s: %w", m.name, err)
	}
	return m.apply(string(src))
}

// diff shows the edits, for -list -v.
func (m mutation) diff() string {
	var b strings.Builder
	for _, e := range m.edits {
		for _, line := range strings.Split(strings.TrimSuffix(e.old, "\n"), "\n") {
			fmt.Fprintf(&b, "    - %s\n", strings.TrimLeft(line, "\t"))
		}
		for _, line := range strings.Split(strings.TrimSuffix(e.new, "\n"), "\n") {
			if line != "" {
				fmt.Fprintf(&b, "    + %s\n", strings.TrimLeft(line, "\t"))
			}
		}
	}
	return b.String()
}
