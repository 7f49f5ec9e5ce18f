package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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

	// maxWindow is the longest call that the API answers in hourly periods (SPEC 11's decision).
	maxWindow = 24 * time.Hour
)

var (
	errWindow            = fmt.Errorf(`"window" must be a whole number of hours from 1h to %s that divides a day (1h, 2h, 3h, 4h, 6h, 8h, 12h or 24h)`, maxWindow)
	errGroupBy           = fmt.Errorf(`"group_by" must be %s or %s`, usageapi.GroupByEnvironment, usageapi.GroupBySite)
	errEmptyResource     = errors.New(`"resources" has an empty name`)
	errDuplicateResource = errors.New(`"resources" lists a name twice`)
)

// Config is the configuration of the forgeusage receiver.
type Config struct {
	appconfig.Account `mapstructure:",squash"`

	// Resources are the API's resource names to read; each is one stream per app.
	Resources []string `mapstructure:"resources"`
	// Window is the span of each call, aligned to UTC.
	Window time.Duration `mapstructure:"window"`
	// GroupBy is ENVIRONMENT_ID (usage per environment) or CONTEXT_ARI (per customer site).
	GroupBy string `mapstructure:"group_by"`
}

// AppConfig selects one Forge app; the block is the same in every receiver that reads an app's
// environments together.
type AppConfig = appconfig.App

// EnvironmentConfig is one environment of an app.
type EnvironmentConfig = appconfig.Environment

// Validate reports every problem of the configuration at once.
func (cfg *Config) Validate() error {
	errs := cfg.Problems()
	if cfg.Window < time.Hour || cfg.Window > maxWindow || cfg.Window%time.Hour != 0 || maxWindow%cfg.Window != 0 {
		errs = append(errs, fmt.Errorf("%w, got %s", errWindow, cfg.Window))
	}
	if cfg.GroupBy != usageapi.GroupByEnvironment && cfg.GroupBy != usageapi.GroupBySite {
		errs = append(errs, fmt.Errorf("%w, got %q", errGroupBy, cfg.GroupBy))
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
