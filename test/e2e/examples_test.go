//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// placeholders stand in for the credentials and endpoints the examples read from the environment.
var placeholders = []string{
	"FORGE_EMAIL=bot@example.com", "FORGE_API_TOKEN=placeholder-token", "FORGE_APP_ID=app", "FORGE_ENV_ID=env",
	"FORGE_STORAGE_DIR=" + os.TempDir(), "DD_API_KEY=x", "NEW_RELIC_LICENSE_KEY=x",
	"GRAFANA_CLOUD_OTLP_ENDPOINT=https://otlp.example.com/otlp", "GRAFANA_CLOUD_BASIC_AUTH=eDp5",
	"DT_OTLP_ENDPOINT=https://abc.live.dynatrace.com/api/v2/otlp", "DT_API_TOKEN=x",
	"ELASTIC_OTLP_ENDPOINT=https://elastic.example.com", "ELASTIC_API_KEY=x",
	"OTLP_ENDPOINT=https://otlp.example.com", "OTLP_API_KEY=x", "MY_POD_IP=127.0.0.1",
	"PROMETHEUS_URL=http://prometheus.example.com:9090", "LOKI_URL=http://loki.example.com:3100",
}

func validate(t *testing.T, config string) {
	t.Helper()
	cmd := exec.Command(collectorBinary(t), "validate", "--config", config)
	cmd.Env = append(os.Environ(), placeholders...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: %s", config, out)
}

// Every example whose components are in the default distribution is a valid configuration.
func TestExamplesValidate(t *testing.T) {
	examples, err := filepath.Glob(filepath.Join(repoRoot, "examples", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, examples)
	for _, example := range examples {
		if strings.HasSuffix(example, "splunk-hec.yaml") {
			continue // needs builder-config-vendors.yaml, which is not built here
		}
		t.Run(filepath.Base(example), func(t *testing.T) { validate(t, example) })
	}
	t.Run("image config", func(t *testing.T) {
		validate(t, filepath.Join(repoRoot, "deploy", "docker", "config.yaml"))
	})
	t.Run("run config", func(t *testing.T) {
		validate(t, filepath.Join(repoRoot, "otelcol-config.yaml"))
	})
}

// The collector configuration the Helm values give the chart is valid once the chart has merged
// it over its defaults: null removes a default, and the chart defines memory_limiter.
func TestHelmConfigValidates(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "helm", "values.yaml"))
	require.NoError(t, err)
	var values map[string]any
	require.NoError(t, yaml.Unmarshal(data, &values))
	config := dropNulls(values["config"]).(map[string]any)
	config["processors"] = map[string]any{"memory_limiter": map[string]any{
		"check_interval": "5s", "limit_percentage": 80, "spike_limit_percentage": 25,
	}}
	out, err := yaml.Marshal(config)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "relay.yaml")
	require.NoError(t, os.WriteFile(path, out, 0o600))
	validate(t, path)
}

func dropNulls(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, val := range m {
		if val != nil {
			out[k] = dropNulls(val)
		}
	}
	return out
}
