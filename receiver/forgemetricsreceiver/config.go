package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/appconfig"
)

const (
	defaultCollectionInterval = 3 * time.Minute
	defaultDelay              = 5 * time.Minute
	defaultInitialLookback    = time.Hour
	defaultRequestsPerMinute  = 5
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
	errEmptyMetric = errors.New(`"metrics" has an empty name`)
)

// Config is the configuration of the forgemetrics receiver.
type Config struct {
	appconfig.Account `mapstructure:",squash"`

	// Metrics are the API's metric names to ask for.
	Metrics []string `mapstructure:"metrics"`
}

// AppConfig selects one Forge app; the block is the same in every receiver that reads an app's
// environments together.
type AppConfig = appconfig.App

// EnvironmentConfig is one environment of an app.
type EnvironmentConfig = appconfig.Environment

// Validate reports every problem of the configuration at once.
func (cfg *Config) Validate() error {
	errs := cfg.Problems()
	for i, name := range cfg.Metrics {
		if strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("metrics[%d]: %w", i, errEmptyMetric))
		}
	}
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
