//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// placeholders stand in for the credentials and endpoints the examples read from the environment.
var placeholders = []string{
	"FORGE_EMAIL=bot@example.com", "FORGE_API_TOKEN=placeholder-token", "FORGE_APP_ID=app", "FORGE_ENV_ID=env",
	"FORGE_STORAGE_DIR=" + os.TempDir(), "DD_API_KEY=x", "NEW_RELIC_LICENSE_KEY=x",
	"GRAFANA_CLOUD_OTLP_ENDPOINT=https://otlp.example.com/otlp", "GRAFANA_CLOUD_BASIC_AUTH=eDp5",
	"DT_OTLP_ENDPOINT=https://abc.live.dynatrace.com/api/v2/otlp", "DT_API_TOKEN=x",
	"ELASTIC_OTLP_ENDPOINT=https://elastic.example.com", "ELASTIC_API_KEY=x",
	"OTLP_ENDPOINT=https://otlp.example.com",
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
