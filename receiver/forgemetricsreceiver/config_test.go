package forgemetricsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/appconfig"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
)

// loadConfig returns the case name of testdata/config.yaml on the factory's defaults.
func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	return receiverharness.LoadConfig(t, metadata.Type, name, createDefaultConfig().(*Config))
}

func TestLoadFullConfig(t *testing.T) {
	cfg := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(cfg))
	storageID := component.MustNewIDWithName("file_storage", "forge")
	assert.Equal(t, "https://api.atlassian.com", cfg.Endpoint)
	assert.Equal(t, 10*time.Second, cfg.Timeout)
	assert.Equal(t, 4*time.Minute, cfg.CollectionInterval)
	assert.Equal(t, 2*time.Minute, cfg.Delay)
	assert.Equal(t, 48*time.Hour, cfg.InitialLookback)
	assert.Equal(t, 4, cfg.RequestsPerMinute)
	assert.Equal(t, &storageID, cfg.StorageID)
	assert.Equal(t, []string{"FORGE_BACKEND_INVOCATION_COUNT", "FORGE_BACKEND_INVOCATION_LATENCY", "SOME_NEW_METRIC"}, cfg.Metrics)
	assert.Equal(t, []string{"SOME_NEW_METRIC"}, cfg.unknownMetrics(), "a warning, not an error")
	assert.Equal(t, []AppConfig{{
		AppID: "ari:cloud:ecosystem::app/0a1b2c3d", ServiceName: "my-forge-app",
		Environments: []EnvironmentConfig{{ID: "7e8f", Name: "production"}, {ID: "9a0b"}},
	}}, cfg.Apps)
}

func TestLoadDiscoveredApps(t *testing.T) {
	cfg := loadConfig(t, "discovered")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, 5*time.Minute, cfg.DiscoveryInterval)
	streams := cfg.streams()
	require.Len(t, streams, 2)
	assert.True(t, streams[0].Discovers(), "an app without the environments key discovers them")
	assert.Equal(t, []string{"PRODUCTION", "STAGING"}, streams[0].EnvironmentTypes)
	assert.False(t, streams[1].Discovers())
}

func TestDefaults(t *testing.T) {
	cfg := loadConfig(t, "minimal")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "https://api.atlassian.com", cfg.Endpoint)
	assert.Equal(t, 30*time.Second, cfg.Timeout)
	assert.Equal(t, 3*time.Minute, cfg.CollectionInterval)
	assert.Equal(t, 5*time.Minute, cfg.Delay)
	assert.Equal(t, time.Hour, cfg.InitialLookback)
	assert.Equal(t, 5, cfg.RequestsPerMinute)
	assert.Nil(t, cfg.StorageID)
	assert.Empty(t, cfg.Metrics)
	assert.Equal(t, time.Hour, cfg.DiscoveryInterval)
	assert.Equal(t, []string{
		"FORGE_API_REQUEST_COUNT", "FORGE_API_REQUEST_LATENCY", "FORGE_BACKEND_INVOCATION_COUNT",
		"FORGE_BACKEND_INVOCATION_ERRORS", "FORGE_BACKEND_INVOCATION_LATENCY", "CONTAINER_CPU_USAGE_PERCENTAGE",
		"CONTAINER_MEMORY_USAGE_PERCENTAGE", "SERVICE_INSTANCE_COUNT", "CONTAINER_UPTIME_SECONDS",
		"CONTAINER_STATUS_RESTARTS_TOTAL",
	}, cfg.metrics(), "every documented metric")
	assert.Equal(t, "app", cfg.Apps[0].ResourceServiceName())
}

func TestValidateRefusesWithTheKeyNamed(t *testing.T) {
	receiverharness.RequireRefusals(t, loadConfig, receiverharness.Refusals{
		{"no_apps", appconfig.ErrNoApps, `"apps"`},
		{"app_without_id", appconfig.ErrAppID, `apps[0]: "app_id"`},
		{"ari_without_id", appconfig.ErrAppID, `apps[0]: "app_id"`},
		{"app_listed_twice_with_another_name", appconfig.ErrServiceNameDiffers, `apps[1].service_name: "service_name" differs between the entries of app "app": "second" here, "first" in apps[0]`},
		{"duplicate_environment_across_entries", appconfig.ErrDuplicateEnvironment, `apps[1].environments[1]: duplicate environment id "env" of app "app"`},
		{"empty_environments", discovery.ErrNoEnvironments, `apps[0].environments: "environments" must list at least one environment`},
		{"unknown_environment_type", discovery.ErrEnvironmentType, `apps[0].environment_types[0]: "environment_types" has an unknown type (want DEVELOPMENT, STAGING or PRODUCTION), got "production"`},
		{"environment_types_with_environments", discovery.ErrTypesWithListed, `apps[0].environment_types: "environment_types" applies only`},
		{"discovered_app_listed_twice", discovery.ErrDiscoveredTwice, `apps[1].app_id`},
		{"discovery_interval_too_short", appconfig.ErrDiscoveryInterval, `"discovery_interval" must be at least 1s, got 0s`},
		{"environment_without_id", appconfig.ErrEnvironmentID, `apps[0].environments[0]: "environments[].id"`},
		{"duplicate_environment", appconfig.ErrDuplicateEnvironment, `apps[0].environments[1]: duplicate environment id "env" of app "app"`},
		{"lookback_too_long", appconfig.ErrInitialLookback, `"initial_lookback"`},
		{"collection_interval_too_short", appconfig.ErrCollectionInterval, `"collection_interval" must be at least 1s, got 500ms`},
		{"delay_too_short", appconfig.ErrDelay, `"delay" must be at least 1s, got 0s`},
		{"rate_too_high", appconfig.ErrRequestsPerMinute, `"requests_per_minute" must be between 1 and 5`},
		{"empty_metric", errEmptyMetric, `metrics[1]: "metrics" has an empty name`},
		{"http_not_loopback", apiconfig.ErrEndpointScheme, `"endpoint" must use https://`},
		{"email_without_token", apiconfig.ErrEmailWithoutToken, `"api_token" must be set`},
		{"no_credentials", apiconfig.ErrNoCredentials, `"auth"`},
	})
}

func TestValidateAcceptsAHigherBudgetOnLoopback(t *testing.T) {
	require.NoError(t, confmap.Validate(loadConfig(t, "rate_high_on_loopback")))
}

// An app listed twice, by its id and by its ARI, is one stream that asks for both environments.
func TestAnAppListedTwiceIsOneStream(t *testing.T) {
	cfg := loadConfig(t, "app_listed_twice")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, []AppConfig{
		{AppID: "app", ServiceName: "my-app", Environments: []EnvironmentConfig{{ID: "prod", Name: "production"}, {ID: "stg", Name: "staging"}}},
		{AppID: "other-app", Environments: []EnvironmentConfig{{ID: "env"}}},
	}, cfg.streams())
	assert.Len(t, cfg.Apps, 3, "the configuration itself is left as written")
}
