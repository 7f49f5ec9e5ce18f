// Package deploy checks that the container image and the build agree on paths, since no Docker
// engine runs the Dockerfile in CI. The Helm values are checked on what the upstream chart renders
// from them (render_test.go, `make deploy-check`).
package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const (
	binaryInImage = "/otelcol-forge"
	configInImage = "/etc/otelcol-forge/config.yaml"
	storageDir    = "/var/lib/otelcol-forge"
)

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", path))
	require.NoError(t, err)
	return string(data)
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	var out map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(read(t, path)), &out))
	return out
}

// lookup walks nested maps by keys.
func lookup(t *testing.T, m map[string]any, keys ...string) any {
	t.Helper()
	var cur any = m
	for _, k := range keys {
		next, ok := cur.(map[string]any)
		require.Truef(t, ok, "%v is not a map at %q", keys, k)
		cur = next[k]
	}
	return cur
}

func TestDockerfileBuildsWithTheMakefile(t *testing.T) {
	dockerfile := read(t, "Dockerfile")
	makefile := read(t, "Makefile")

	dist := regexp.MustCompile(`(?m)^DIST\s*:=\s*(\S+)`).FindStringSubmatch(makefile)
	require.NotNil(t, dist, "Makefile defines DIST")
	assert.Contains(t, dockerfile, "RUN make build")
	assert.Contains(t, dockerfile, "cp "+dist[1]+" /out"+binaryInImage)
	assert.Contains(t, dockerfile, `ENTRYPOINT ["`+binaryInImage+`"]`)
	assert.Contains(t, dockerfile, "COPY deploy/docker/config.yaml "+configInImage)
	assert.Contains(t, dockerfile, `CMD ["--config", "`+configInImage+`"]`)
	assert.Contains(t, dockerfile, "VOLUME "+storageDir)
	assert.Regexp(t, `(?m)^USER [1-9]`, dockerfile, "runs as a non-root user")

	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(read(t, "go.mod"))
	assert.Contains(t, dockerfile, "FROM golang:"+goVersion[1]+"-", "the build stage uses go.mod's Go")
}

// forgeReceivers are the receivers every deployment runs, with the pipeline each feeds.
var forgeReceivers = map[string]string{"forgelogs": "logs", "forgemetrics": "metrics", "forgeusage": "metrics/usage"}

func TestImageConfigUsesTheVolume(t *testing.T) {
	cfg := readYAML(t, "deploy/docker/config.yaml")
	assert.Equal(t, storageDir, lookup(t, cfg, "extensions", "file_storage/forge", "directory"))
	for receiver := range forgeReceivers {
		assert.Equalf(t, "file_storage/forge", lookup(t, cfg, "receivers", receiver, "storage"), "%s keeps its checkpoints on the volume", receiver)
	}
}

// The image's config runs every receiver, with the same credentials, into the same exporters.
func TestImageConfigRunsBothReceivers(t *testing.T) {
	cfg := readYAML(t, "deploy/docker/config.yaml")
	for _, key := range []string{"endpoint", "email", "api_token", "apps"} {
		for _, other := range []string{"forgemetrics", "forgeusage"} {
			assert.Equalf(t, lookup(t, cfg, "receivers", "forgelogs", key), lookup(t, cfg, "receivers", other, key),
				"%s reads the same %s as forgelogs", other, key)
		}
	}
	exporters := lookup(t, cfg, "service", "pipelines", "logs", "exporters")
	require.NotEmpty(t, exporters)
	for receiver, pipeline := range forgeReceivers {
		assert.Equalf(t, []any{receiver}, lookup(t, cfg, "service", "pipelines", pipeline, "receivers"), "the %s pipeline reads %s", pipeline, receiver)
		assert.Equalf(t, exporters, lookup(t, cfg, "service", "pipelines", pipeline, "exporters"), "the %s pipeline sends where the logs go", pipeline)
	}
}
