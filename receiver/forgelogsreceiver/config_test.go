package forgelogsreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadFullConfig(t *testing.T) {
	cfg := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(cfg))

	storageID := component.MustNewIDWithName("file_storage", "forge")
	assert.Equal(t, "https://api.atlassian.com", cfg.Endpoint)
	assert.Equal(t, 20*time.Second, cfg.Timeout)
	assert.Equal(t, "bot@example.com", cfg.Email)
	assert.Equal(t, "s3cr3t-token", string(cfg.APIToken))
	assert.Equal(t, 2*time.Minute, cfg.PollInterval)
	assert.Equal(t, 90*time.Second, cfg.Delay)
	assert.Equal(t, 30*time.Minute, cfg.LateArrival)
	assert.Equal(t, 48*time.Hour, cfg.InitialLookback)
	assert.Equal(t, 20, cfg.RequestsPerMinute)
	assert.Equal(t, &storageID, cfg.StorageID)
	assert.Equal(t, []AppConfig{{
		AppID:       "0a1b2c3d-app",
		ServiceName: "my-forge-app",
		Environments: []EnvironmentConfig{
			{ID: "7e8f-prod", Name: "production"},
			{ID: "7e8f-staging"},
		},
		Levels:               []string{"WARN", "ERROR", "FATAL"},
		Message:              "timeout",
		InstallationContexts: []string{"ari:cloud:jira::site/4eecb4e0-22cc-4e18-bad1-b58a154be343"},
	}}, cfg.Apps)
}

func TestDefaults(t *testing.T) {
	cfg := loadConfig(t, "minimal")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "https://api.atlassian.com", cfg.Endpoint)
	assert.Equal(t, 30*time.Second, cfg.Timeout)
	// SPEC 3 and 4: fresh within 15 s, complete up to 10 minutes late.
	assert.Equal(t, 5*time.Second, cfg.PollInterval)
	assert.Equal(t, 2*time.Second, cfg.Delay)
	assert.Equal(t, 10*time.Minute, cfg.LateArrival)
	assert.Equal(t, time.Hour, cfg.InitialLookback)
	assert.Equal(t, 30, cfg.RequestsPerMinute)
	assert.Nil(t, cfg.StorageID)
	assert.Equal(t, "app", cfg.Apps[0].serviceName())
	assert.Equal(t, time.Hour, cfg.DiscoveryInterval)
}

func TestLoadDiscoveredApps(t *testing.T) {
	cfg := loadConfig(t, "discovered")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, 5*time.Minute, cfg.DiscoveryInterval)
	assert.True(t, cfg.Apps[0].discovers(), "an app without the environments key discovers them")
	assert.Equal(t, []string{"PRODUCTION", "STAGING"}, cfg.Apps[0].EnvironmentTypes)
	assert.False(t, cfg.Apps[1].discovers())
	// Only listed environments are streams from the start; discovery adds the others.
	specs := streamSpecs(cfg)
	require.Len(t, specs, 1)
	assert.Equal(t, "stream/other-app/env/0", specs[0].key)
}

func TestValidateRefusesWithTheKeyNamed(t *testing.T) {
	tests := []struct {
		name    string
		wantErr error
		// wantText is part of the message a user sees: the key and the bad value.
		wantText string
	}{
		{"no_apps", errNoApps, `"apps"`},
		{"app_without_id", errAppID, `apps[0]: "app_id"`},
		{"empty_environments", discovery.ErrNoEnvironments, `apps[0].environments: "environments" must list at least one environment`},
		{"unknown_environment_type", discovery.ErrEnvironmentType, `apps[0].environment_types[1]: "environment_types" has an unknown type (want DEVELOPMENT, STAGING or PRODUCTION), got "CUSTOM"`},
		{"environment_types_with_environments", discovery.ErrTypesWithListed, `apps[0].environment_types: "environment_types" applies only`},
		{"discovered_app_listed_twice", discovery.ErrDiscoveredTwice, `apps[0].app_id`},
		{"discovery_interval_too_short", errDiscoveryInterval, `"discovery_interval" must be at least 1s, got 500ms`},
		{"environment_without_id", errEnvironmentID, `apps[0].environments[0]: "environments[].id"`},
		{"duplicate_stream", errDuplicateStream, `apps[1].environments[0]`},
		{"unknown_level", errUnknownLevel, `"levels" has an unknown level (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL), got "WARNING"`},
		{"lookback_too_long", errInitialLookback, `"initial_lookback"`},
		{"poll_interval_too_short", errPollInterval, `"poll_interval" must be at least 1s, got 500ms`},
		{"delay_too_short", errDelay, `"delay" must be at least 1s, got 0s`},
		{"late_arrival_too_long", errLateArrival, `"late_arrival" must be 0 (off) or above "delay" and at most 1h0m0s, got 1h1m0s`},
		{"late_arrival_negative", errLateArrival, `"late_arrival" must be 0 (off) or above "delay" and at most 1h0m0s, got -1m0s`},
		{"late_arrival_within_delay", errLateArrival, `"late_arrival" must be 0 (off) or above "delay" and at most 1h0m0s, got 1m30s`},
		{"rate_too_high", errRequestsPerMinute, `got 31`},
		{"rate_zero", errRequestsPerMinute, `"requests_per_minute"`},
		{"http_not_loopback", apiconfig.ErrEndpointScheme, `"endpoint" must use https://`},
		{"no_credentials", apiconfig.ErrNoCredentials, `"email" and "api_token", or "auth"`},
		{"token_without_email", apiconfig.ErrTokenWithoutEmail, `"email" must be set`},
		{"email_without_token", apiconfig.ErrEmailWithoutToken, `"api_token" must be set`},
		{"both_credentials", apiconfig.ErrBothCredentials, `only one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, tt.name))
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.wantText)
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, name := range []string{"rate_high_on_loopback", "rate_high_on_localhost", "auth_extension", "late_arrival_off", "late_arrival_longest"} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, confmap.Validate(loadConfig(t, name)))
		})
	}
}

func TestValidateNeverPrintsTheToken(t *testing.T) {
	for _, name := range []string{"no_apps", "rate_too_high", "http_not_loopback", "both_credentials"} {
		err := confmap.Validate(loadConfig(t, name))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "s3cr3t-token")
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := loadConfig(t, "duplicate_stream")
	cfg.PollInterval = 0
	cfg.Apps[0].Levels = []string{"LOUD"}
	err := confmap.Validate(cfg)
	require.ErrorIs(t, err, errPollInterval)
	require.ErrorIs(t, err, errDuplicateStream)
	require.ErrorIs(t, err, errUnknownLevel)
}
