package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/appconfig"
)

const (
	defaultCollectionInterval = 3 * time.Minute
	defaultDelay              = 5 * time.Minute
	defaultInitialLookback    = time.Hour
	defaultRequestsPerMinute  = 5

	// maxLookback is the API's retention: intervals older than 14 days are refused.
	maxLookback = 14 * 24 * time.Hour
	// maxRequestsPerMinute is the API's limit per account.
	maxRequestsPerMinute = 5
	minInterval          = time.Second
)

// documentedMetrics are the metric names the App metrics API documents; the default selection.
var documentedMetrics = []string{
	"FORGE_API_REQUEST_COUNT",
	"FORGE_API_REQUEST_LATENCY",
	"FORGE_BACKEND_INVOCATION_COUNT",
	"FORGE_BACKEND_INVOCATION_ERRORS",
	"FORGE_BACKEND_INVOCATION_LATENCY",
	"CONTAINER_CPU_USAGE_PERCENTAGE",
	"CONTAINER_MEMORY_USAGE_PERCENTAGE",
	"SERVICE_INSTANCE_COUNT",
	"CONTAINER_UPTIME_SECONDS",
	"CONTAINER_STATUS_RESTARTS_TOTAL",
}

// customMetrics asks for the counters an app defines itself (Forge custom metrics, GA in 2026). The
// name is in the API's published GraphQL schema (the ForgeMetricsLabels enum) but not on the export
// page, and how its points are named and labelled is not documented: a known name, asked for only
// when configured, whose points are delivered as the API shapes them.
const customMetrics = "FORGE_BACKEND_CUSTOM_METRICS_COUNT"

var (
	errCollectionInterval = fmt.Errorf(`"collection_interval" must be at least %s`, minInterval)
	errDelay              = fmt.Errorf(`"delay" must be at least %s`, minInterval)
	errInitialLookback    = fmt.Errorf(`"initial_lookback" must be positive and at most %s (the API keeps 14 days)`, maxLookback)
	errRequestsPerMinute  = fmt.Errorf(`"requests_per_minute" must be between 1 and %d (the API's limit per account; more only for a loopback endpoint)`, maxRequestsPerMinute)
	errEmptyMetric        = errors.New(`"metrics" has an empty name`)
	errDiscoveryInterval  = fmt.Errorf(`"discovery_interval" must be at least %s`, minInterval)
)

// Config is the configuration of the forgemetrics receiver.
type Config struct {
	confighttp.ClientConfig `mapstructure:",squash"`

	// Email and APIToken are the Basic auth credentials of the Atlassian account that owns the apps.
	Email    string              `mapstructure:"email"`
	APIToken configopaque.String `mapstructure:"api_token"`

	// CollectionInterval is how often a caught-up app asks for new points.
	CollectionInterval time.Duration `mapstructure:"collection_interval"`
	// Delay keeps windows this far behind now, so points the API aggregates late are not missed.
	Delay time.Duration `mapstructure:"delay"`
	// InitialLookback is where an app without a checkpoint starts.
	InitialLookback time.Duration `mapstructure:"initial_lookback"`
	// RequestsPerMinute is the account's request budget, shared by all of its apps.
	RequestsPerMinute int `mapstructure:"requests_per_minute"`
	// StorageID names the storage extension that keeps checkpoints; without it progress lives in memory.
	StorageID *component.ID `mapstructure:"storage"`
	// Metrics are the API's metric names to ask for.
	Metrics []string `mapstructure:"metrics"`
	// DiscoveryInterval is how often the environments of apps configured without them are listed.
	DiscoveryInterval time.Duration `mapstructure:"discovery_interval"`

	Apps []AppConfig `mapstructure:"apps"`
}

// AppConfig selects one Forge app; the block is the same in every receiver that reads an app's
// environments together.
type AppConfig = appconfig.App

// EnvironmentConfig is one environment of an app.
type EnvironmentConfig = appconfig.Environment

// Validate reports every problem of the configuration at once.
func (cfg *Config) Validate() error {
	errs := []error{
		apiconfig.ValidateEndpoint(cfg.Endpoint),
		apiconfig.ValidateCredentials(cfg.Email, cfg.APIToken, cfg.Auth.HasValue()),
	}
	if cfg.CollectionInterval < minInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", errCollectionInterval, cfg.CollectionInterval))
	}
	if cfg.Delay < minInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", errDelay, cfg.Delay))
	}
	if cfg.InitialLookback <= 0 || cfg.InitialLookback > maxLookback {
		errs = append(errs, fmt.Errorf("%w, got %s", errInitialLookback, cfg.InitialLookback))
	}
	if cfg.RequestsPerMinute < 1 || (cfg.RequestsPerMinute > maxRequestsPerMinute && !apiconfig.IsLoopback(cfg.Endpoint)) {
		errs = append(errs, fmt.Errorf("%w, got %d", errRequestsPerMinute, cfg.RequestsPerMinute))
	}
	if cfg.DiscoveryInterval < minInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", errDiscoveryInterval, cfg.DiscoveryInterval))
	}
	for i, name := range cfg.Metrics {
		if strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("metrics[%d]: %w", i, errEmptyMetric))
		}
	}
	errs = append(errs, appconfig.Validate(cfg.Apps)...)
	return errors.Join(errs...)
}

// streams lists one entry per app, with the environments of all its entries.
func (cfg *Config) streams() []AppConfig { return appconfig.Merge(cfg.Apps) }

// unknownMetrics lists the configured names the API does not document (yet): a warning, not an
// error, so that new metrics need no new release. Custom metrics are known.
func (cfg *Config) unknownMetrics() []string {
	var unknown []string
	for _, name := range cfg.Metrics {
		if name != customMetrics && !slices.Contains(documentedMetrics, name) {
			unknown = append(unknown, name)
		}
	}
	return unknown
}

// metrics is the selection to ask for: the configured one, or every documented metric.
func (cfg *Config) metrics() []string {
	if len(cfg.Metrics) == 0 {
		return documentedMetrics
	}
	return cfg.Metrics
}
