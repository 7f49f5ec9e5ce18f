package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

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
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

const (
	defaultWindow             = time.Hour
	defaultCollectionInterval = 5 * time.Minute
	// defaultDelay is how long after a window ends its usage is taken as final. Forge meters usage
	// late and does not say how late; a period read too early would be delivered incomplete and
	// never corrected, since each period is delivered once.
	defaultDelay             = 3 * time.Hour
	defaultInitialLookback   = 24 * time.Hour
	defaultRequestsPerMinute = 5

	// maxLookback is how far back a stream may start: the Forge export APIs keep 14 days.
	maxLookback = 14 * 24 * time.Hour
	// maxRequestsPerMinute is the API's documented limit.
	maxRequestsPerMinute = 5
	minInterval          = time.Second
	// maxWindow is the longest call that the API answers in hourly periods (SPEC 11's decision).
	maxWindow = 24 * time.Hour
)

var (
	errWindow             = fmt.Errorf(`"window" must be a whole number of hours from 1h to %s that divides a day (1h, 2h, 3h, 4h, 6h, 8h, 12h or 24h)`, maxWindow)
	errGroupBy            = fmt.Errorf(`"group_by" must be %s or %s`, usageapi.GroupByEnvironment, usageapi.GroupBySite)
	errCollectionInterval = fmt.Errorf(`"collection_interval" must be at least %s`, minInterval)
	errDelay              = fmt.Errorf(`"delay" must be at least %s`, minInterval)
	errInitialLookback    = fmt.Errorf(`"initial_lookback" must be positive and at most %s`, maxLookback)
	errRequestsPerMinute  = fmt.Errorf(`"requests_per_minute" must be between 1 and %d (the API's limit; more only for a loopback endpoint)`, maxRequestsPerMinute)
	errEmptyResource      = errors.New(`"resources" has an empty name`)
	errDuplicateResource  = errors.New(`"resources" lists a name twice`)
	errDiscoveryInterval  = fmt.Errorf(`"discovery_interval" must be at least %s`, minInterval)
)

// Config is the configuration of the forgeusage receiver.
type Config struct {
	confighttp.ClientConfig `mapstructure:",squash"`

	// Email and APIToken are the Basic auth credentials of the Atlassian account that owns the apps.
	Email    string              `mapstructure:"email"`
	APIToken configopaque.String `mapstructure:"api_token"`

	// Resources are the API's resource names to read; each is one stream per app.
	Resources []string `mapstructure:"resources"`
	// Window is the span of each call, aligned to UTC.
	Window time.Duration `mapstructure:"window"`
	// GroupBy is ENVIRONMENT_ID (usage per environment) or CONTEXT_ARI (per customer site).
	GroupBy string `mapstructure:"group_by"`
	// CollectionInterval is how often a caught-up stream looks for a window that became final.
	CollectionInterval time.Duration `mapstructure:"collection_interval"`
	// Delay is how long after a window ends its usage is taken as final and read.
	Delay time.Duration `mapstructure:"delay"`
	// InitialLookback is where a stream without a checkpoint starts.
	InitialLookback time.Duration `mapstructure:"initial_lookback"`
	// RequestsPerMinute is the account's request budget for this API, shared by all of its streams.
	RequestsPerMinute int `mapstructure:"requests_per_minute"`
	// DiscoveryInterval is how often the environments of apps configured without them are listed.
	DiscoveryInterval time.Duration `mapstructure:"discovery_interval"`
	// StorageID names the storage extension that keeps checkpoints; without it progress lives in memory.
	StorageID *component.ID `mapstructure:"storage"`

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
	if cfg.Window < time.Hour || cfg.Window > maxWindow || cfg.Window%time.Hour != 0 || maxWindow%cfg.Window != 0 {
		errs = append(errs, fmt.Errorf("%w, got %s", errWindow, cfg.Window))
	}
	if cfg.GroupBy != usageapi.GroupByEnvironment && cfg.GroupBy != usageapi.GroupBySite {
		errs = append(errs, fmt.Errorf("%w, got %q", errGroupBy, cfg.GroupBy))
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
	for i, name := range cfg.Resources {
		switch {
		case strings.TrimSpace(name) == "":
			errs = append(errs, fmt.Errorf("resources[%d]: %w", i, errEmptyResource))
		case slices.Index(cfg.Resources, name) < i:
			// Two streams of one resource would deliver its usage twice.
			errs = append(errs, fmt.Errorf("resources[%d]: %w: %q", i, errDuplicateResource, name))
		}
	}
	errs = append(errs, appconfig.Validate(cfg.Apps)...)
	return errors.Join(errs...)
}

// apps lists one entry per app, with the environments of all its entries.
func (cfg *Config) apps() []AppConfig { return appconfig.Merge(cfg.Apps) }

// unknownResources lists the configured names the API does not document (yet): a warning, not an
// error, so that new resources need no new release.
func (cfg *Config) unknownResources() []string {
	var unknown []string
	for _, name := range cfg.Resources {
		if !slices.Contains(usageapi.Resources, name) {
			unknown = append(unknown, name)
		}
	}
	return unknown
}

// resources is the selection to read: the configured one, or every documented resource.
func (cfg *Config) resources() []string {
	if len(cfg.Resources) == 0 {
		return usageapi.Resources
	}
	return cfg.Resources
}
