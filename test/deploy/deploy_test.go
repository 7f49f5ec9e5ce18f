// Package deploy checks that the container image, the Helm values and the build agree on paths,
// since no Docker engine or Kubernetes cluster runs these files in CI.
package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

func TestImageConfigUsesTheVolume(t *testing.T) {
	cfg := readYAML(t, "deploy/docker/config.yaml")
	assert.Equal(t, storageDir, lookup(t, cfg, "extensions", "file_storage/forge", "directory"))
	assert.Equal(t, "file_storage/forge", lookup(t, cfg, "receivers", "forgelogs", "storage"))
}

func TestHelmValuesMatchTheImage(t *testing.T) {
	values := readYAML(t, "deploy/helm/values.yaml")
	assert.Equal(t, "statefulset", values["mode"])
	assert.Equal(t, strings.TrimPrefix(binaryInImage, "/"), lookup(t, values, "command", "name"))

	claims := lookup(t, values, "statefulset", "volumeClaimTemplates").([]any)
	require.Len(t, claims, 1)
	claim := claims[0].(map[string]any)["metadata"].(map[string]any)["name"]
	mounts := values["extraVolumeMounts"].([]any)
	require.Len(t, mounts, 1)
	mount := mounts[0].(map[string]any)
	assert.Equal(t, claim, mount["name"], "the persistent volume is mounted")
	assert.Equal(t, storageDir, mount["mountPath"])
	assert.Equal(t, storageDir, lookup(t, values, "config", "extensions", "file_storage/forge", "directory"))

	// The token comes from a Secret, never from the values.
	var fromSecret []string
	for _, env := range values["extraEnvs"].([]any) {
		e := env.(map[string]any)
		if _, ok := e["valueFrom"].(map[string]any)["secretKeyRef"]; ok {
			fromSecret = append(fromSecret, e["name"].(string))
		}
	}
	assert.Contains(t, fromSecret, "FORGE_API_TOKEN")
	assert.Equal(t, "${env:FORGE_API_TOKEN}", lookup(t, values, "config", "receivers", "forgelogs", "api_token"))

	// The chart's default receivers are removed, health_check is kept.
	for _, r := range []string{"jaeger", "zipkin", "prometheus", "otlp"} {
		receivers := lookup(t, values, "config", "receivers").(map[string]any)
		v, present := receivers[r]
		assert.True(t, present && v == nil, "receiver %s is removed", r)
	}
	assert.Contains(t, lookup(t, values, "config", "service", "extensions"), "health_check")
	assert.Equal(t, []any{"forgelogs"}, lookup(t, values, "config", "service", "pipelines", "logs", "receivers"))
}
