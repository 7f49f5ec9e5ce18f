package forgelogsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
)

// validConfig is a configuration that Validate accepts, for tests to break one key of.
func validConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Email = "bot@example.com"
	cfg.APIToken = configopaque.String("s3cr3t-token")
	cfg.Apps = []AppConfig{{AppID: "app", Environments: []EnvironmentConfig{{ID: "env"}}}}
	return cfg
}

func TestValidateRefusesAnEmailWithoutToken(t *testing.T) {
	cfg := validConfig()
	require.NoError(t, cfg.Validate())
	cfg.APIToken = ""
	err := cfg.Validate()
	require.ErrorIs(t, err, apiconfig.ErrEmailWithoutToken)
	assert.Contains(t, err.Error(), `"api_token" must be set`)
}

// localhost is a loopback endpoint: plain http and a raised budget are accepted for it, as
// for 127.0.0.1 and ::1, and for no other host.
func TestValidateTreatsLocalhostAsLoopback(t *testing.T) {
	for endpoint, loopback := range map[string]bool{
		"http://localhost:8089":          true,
		"http://127.0.0.1:8089":          true,
		"http://[::1]:8089":              true,
		"http://localhost.example.com":   false,
		"http://api.atlassian.com":       false,
		"https://api.atlassian.com":      false,
		"http://127.0.0.1.nip.io:8089":   false,
		"http://localhost@evil.example/": false,
	} {
		t.Run(endpoint, func(t *testing.T) {
			assert.Equal(t, loopback, apiconfig.IsLoopback(endpoint))
			cfg := validConfig()
			cfg.Endpoint = endpoint
			cfg.RequestsPerMinute = 6000
			err := cfg.Validate()
			if loopback {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errRequestsPerMinute)
		})
	}
}
