// Package closure checks what a collector built with the receivers links: their packages'
// dependencies, tests excluded, hold no test helper and no simulator code.
package closure

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/forgelogs/otelcol-forge"

// testOnly says why a package must not be linked into a collector, or "" if it may.
func testOnly(path string, standard bool) string {
	switch {
	case path == "testing" || strings.HasPrefix(path, "testing/") || path == "net/http/httptest":
		return "the standard library's test support"
	case standard:
		return ""
	case strings.HasPrefix(path, module+"/internal/forgesim") || strings.HasPrefix(path, module+"/cmd/"):
		return "the simulator"
	case strings.HasPrefix(path, "github.com/stretchr/testify"), strings.HasPrefix(path, "go.uber.org/goleak"):
		return "a test library"
	case strings.HasSuffix(path, "test"):
		// consumertest, componenttest, receivertest, mdatagen's metadatatest, pdatatest...
		return "a test helper package"
	}
	return ""
}

func TestReceiversLinkNoTestCode(t *testing.T) {
	receivers := receiverPackages(t)
	require.NotEmpty(t, receivers)
	for _, r := range receivers {
		assert.Emptyf(t, testOnly(r, false), "%s is itself test code", r)
	}

	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}"}, receivers...)...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	require.NoError(t, err)
	deps := 0
	scanner := bufio.NewScanner(bytes.NewReader(out))
	for scanner.Scan() {
		path, standard, _ := strings.Cut(scanner.Text(), " ")
		deps++
		if why := testOnly(path, standard == "true"); why != "" {
			t.Errorf("the receivers link %s: %s", path, why)
		}
	}
	assert.Greater(t, deps, 100, "go list listed the dependencies")
}

// receiverPackages lists the component packages, receiver/<name>: what a collector imports. Their
// internal packages count through them; mdatagen's metadatatest, which only tests import, does not.
func receiverPackages(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "./receiver/...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	require.NoError(t, err)
	var components []string
	for _, path := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(path, module+"/receiver/")
		if rel != path && !strings.Contains(rel, "/") {
			components = append(components, path)
		}
	}
	return components
}
