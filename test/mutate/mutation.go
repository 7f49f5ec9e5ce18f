package main

import (
	"fmt"
	"io/fs"
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
	// file is where the edits were last seen, relative to the module root. It is a hint: when
	// code moves, the mutation follows its text (see locate).
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

// otherReceiver reports whether file lies in another receiver's folder than hint: code may move
// from a receiver into the shared packages, never into another receiver, whose like-looking line
// keeps another promise.
func otherReceiver(hint, file string) bool {
	component := func(path string) string {
		if parts := strings.SplitN(path, "/", 3); len(parts) == 3 && parts[0] == "receiver" {
			return parts[1]
		}
		return ""
	}
	h, f := component(hint), component(file)
	return h != "" && f != "" && h != f
}

// searched are the folders, relative to the module root, whose code mutations edit.
var searched = []string{"receiver", "internal"}

// mutant finds the file the mutation edits under root and returns its path (relative to root)
// and its mutated source.
func (m mutation) mutant(root string) (file, src string, err error) {
	file, err = m.locate(root)
	if err != nil {
		return "", "", err
	}
	original, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return "", "", fmt.Errorf("mutation %s: %w", m.name, err)
	}
	src, err = m.apply(string(original))
	return file, src, err
}

// locate returns the file that holds the mutation's first edit exactly once: m.file when it
// still does, else the one non-test Go file under the searched folders that does. The catalogue
// is anchored on the code's text, not its place, so that moving code to another file or package
// does not make a mutation stale; text that is gone or no longer unique still does.
func (m mutation) locate(root string) (string, error) {
	anchor := m.edits[0].old
	if src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.file))); err == nil && strings.Count(string(src), anchor) == 1 {
		return m.file, nil
	}
	var found []string
	occurrences := 0
	for _, dir := range searched {
		if _, err := os.Stat(filepath.Join(root, dir)); err != nil {
			continue
		}
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if otherReceiver(m.file, filepath.ToSlash(rel)) {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if n := strings.Count(string(src), anchor); n > 0 {
				found, occurrences = append(found, filepath.ToSlash(rel)), occurrences+n
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("mutation %s: %w", m.name, err)
		}
	}
	if len(found) != 1 || occurrences != 1 {
		return "", fmt.Errorf("mutation %s: edit 1: %q occurs %d times in %d files under %s (last seen in %s), want once; update test/mutate/mutations.go",
			m.name, anchor, occurrences, len(found), strings.Join(searched, ", "), m.file)
	}
	return found[0], nil
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
