package forgeusagereceiver

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
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
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
	assert.Equal(t, []string{"FUNCTION_COMPUTE", "KVS_READ", "GPU_COMPUTE"}, cfg.Resources)
	assert.Equal(t, []string{"GPU_COMPUTE"}, cfg.unknownResources(), "a warning, not an error")
	assert.Equal(t, 6*time.Hour, cfg.Window)
	assert.Equal(t, "CONTEXT_ARI", cfg.GroupBy)
	assert.Equal(t, 10*time.Minute, cfg.CollectionInterval)
	assert.Equal(t, 4*time.Hour, cfg.Delay)
	assert.Equal(t, 72*time.Hour, cfg.InitialLookback)
	assert.Equal(t, 4, cfg.RequestsPerMinute)
	assert.Equal(t, &storageID, cfg.StorageID)
	assert.Equal(t, 30*time.Minute, cfg.DiscoveryInterval)
	assert.Equal(t, []AppConfig{{
		AppID: "ari:cloud:ecosystem::app/0a1b2c3d", ServiceName: "my-forge-app",
		Environments: []EnvironmentConfig{{ID: "7e8f", Name: "production"}, {ID: "9a0b"}},
	}, {
		AppID: "discovered-app", EnvironmentTypes: []string{"PRODUCTION", "STAGING"},
	}}, cfg.Apps)
	assert.False(t, cfg.Apps[0].Discovers())
	assert.True(t, cfg.Apps[1].Discovers())
}

func TestDefaults(t *testing.T) {
	cfg := loadConfig(t, "minimal")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "https://api.atlassian.com", cfg.Endpoint)
	assert.Equal(t, 30*time.Second, cfg.Timeout)
	assert.Equal(t, time.Hour, cfg.Window)
	assert.Equal(t, "ENVIRONMENT_ID", cfg.GroupBy)
	assert.Equal(t, 5*time.Minute, cfg.CollectionInterval)
	assert.Equal(t, 3*time.Hour, cfg.Delay)
	assert.Equal(t, 24*time.Hour, cfg.InitialLookback)
	assert.Equal(t, 5, cfg.RequestsPerMinute)
	assert.Nil(t, cfg.StorageID)
	assert.Equal(t, discovery.DefaultInterval, cfg.DiscoveryInterval)
	assert.Empty(t, cfg.Resources)
	assert.Equal(t, []string{
		"CONTAINER_COMPUTE", "CONTAINER_MEMORY", "FUNCTION_COMPUTE", "KVS_READ", "KVS_WRITE", "LLM_INPUT",
		"LLM_OUTPUT", "LOGS_WRITE", "OS_REQUESTS", "SQL_COMPUTE", "SQL_REQUESTS", "SQL_STORAGE",
	}, cfg.resources(), "every documented resource")
	assert.Empty(t, cfg.unknownResources())
	assert.Equal(t, "app", cfg.Apps[0].ResourceServiceName())
}

func TestValidateAcceptsEveryWindowThatDividesADay(t *testing.T) {
	for _, hours := range []int{1, 2, 3, 4, 6, 8, 12, 24} {
		cfg := loadConfig(t, "minimal")
		cfg.Window = time.Duration(hours) * time.Hour
		assert.NoError(t, cfg.Validate(), "%dh", hours)
	}
}

func TestValidateRefusesWithTheKeyNamed(t *testing.T) {
	receiverharness.RequireRefusals(t, loadConfig, receiverharness.Refusals{
		{"no_apps", appconfig.ErrNoApps, `"apps"`},
		{"app_without_id", appconfig.ErrAppID, `apps[0]: "app_id"`},
		{"app_listed_twice_with_another_name", appconfig.ErrServiceNameDiffers, `apps[1].service_name: "service_name" differs between the entries of app "app": "second" here, "first" in apps[0]`},
		{"empty_environments", discovery.ErrNoEnvironments, `apps[0].environments: "environments" must list at least one environment (leave the key out to discover them)`},
		{"environment_types_with_listed_environments", discovery.ErrTypesWithListed, `apps[0].environment_types:`},
		{"unknown_environment_type", discovery.ErrEnvironmentType, `apps[0].environment_types[1]: "environment_types" has an unknown type (want DEVELOPMENT, STAGING or PRODUCTION), got "PROD"`},
		{"discovered_app_listed_twice", discovery.ErrDiscoveredTwice, `apps[0].app_id:`},
		{"discovery_interval_too_short", appconfig.ErrDiscoveryInterval, `"discovery_interval" must be at least 1s, got 500ms`},
		{"environment_without_id", appconfig.ErrEnvironmentID, `apps[0].environments[0]: "environments[].id"`},
		{"duplicate_environment", appconfig.ErrDuplicateEnvironment, `apps[0].environments[1]: duplicate environment id "env" of app "app"`},
		{"window_not_whole_hours", errWindow, `"window" must be a whole number of hours`},
		{"window_not_dividing_a_day", errWindow, `got 5h0m0s`},
		{"window_too_long", errWindow, `"window"`},
		{"unknown_group_by", errGroupBy, `"group_by" must be ENVIRONMENT_ID or CONTEXT_ARI, got "SITE"`},
		{"empty_resource", errEmptyResource, `resources[1]: "resources" has an empty name`},
		{"duplicate_resource", errDuplicateResource, `resources[2]: "resources" lists a name twice: "KVS_READ"`},
		{"lookback_too_long", appconfig.ErrInitialLookback, `"initial_lookback"`},
		{"collection_interval_too_short", appconfig.ErrCollectionInterval, `"collection_interval" must be at least 1s, got 500ms`},
		{"delay_too_short", appconfig.ErrDelay, `"delay" must be at least 1s, got 0s`},
		{"rate_too_high", appconfig.ErrRequestsPerMinute, `"requests_per_minute" must be between 1 and 5`},
		{"http_not_loopback", apiconfig.ErrEndpointScheme, `"endpoint" must use https://`},
		{"email_without_token", apiconfig.ErrEmailWithoutToken, `"api_token" must be set`},
		{"no_credentials", apiconfig.ErrNoCredentials, `"auth"`},
	})
}

// An app entry without "environments" is valid: its environments are discovered.
func TestValidateAcceptsAnAppWithoutEnvironments(t *testing.T) {
	cfg := loadConfig(t, "app_without_environments")
	require.NoError(t, confmap.Validate(cfg))
	assert.True(t, cfg.Apps[0].Discovers())
	assert.Equal(t, []AppConfig{{AppID: "app"}}, cfg.apps())
}

func TestValidateAcceptsAHigherBudgetOnLoopback(t *testing.T) {
	require.NoError(t, confmap.Validate(loadConfig(t, "rate_high_on_loopback")))
}

// An app listed twice, by its id and by its ARI, is read as one: each call covers the
// environments of both entries.
func TestAnAppListedTwiceIsReadAsOne(t *testing.T) {
	cfg := loadConfig(t, "app_listed_twice")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, []AppConfig{
		{AppID: "app", ServiceName: "my-app", Environments: []EnvironmentConfig{{ID: "prod", Name: "production"}, {ID: "stg", Name: "staging"}}},
		{AppID: "other-app", Environments: []EnvironmentConfig{{ID: "env"}}},
	}, cfg.apps())
	assert.Len(t, cfg.Apps, 3, "the configuration itself is left as written")
}
