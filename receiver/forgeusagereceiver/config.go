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
	"github.com/forgelogs/otelcol-forge/internal/discovery"
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
	errNoApps               = errors.New(`"apps" must list at least one app`)
	errWindow               = fmt.Errorf(`"window" must be a whole number of hours from 1h to %s that divides a day (1h, 2h, 3h, 4h, 6h, 8h, 12h or 24h)`, maxWindow)
	errGroupBy              = fmt.Errorf(`"group_by" must be %s or %s`, usageapi.GroupByEnvironment, usageapi.GroupBySite)
	errCollectionInterval   = fmt.Errorf(`"collection_interval" must be at least %s`, minInterval)
	errDelay                = fmt.Errorf(`"delay" must be at least %s`, minInterval)
	errInitialLookback      = fmt.Errorf(`"initial_lookback" must be positive and at most %s`, maxLookback)
	errRequestsPerMinute    = fmt.Errorf(`"requests_per_minute" must be between 1 and %d (the API's limit; more only for a loopback endpoint)`, maxRequestsPerMinute)
	errEmptyResource        = errors.New(`"resources" has an empty name`)
	errDuplicateResource    = errors.New(`"resources" lists a name twice`)
	errAppID                = errors.New(`"app_id" must be set`)
	errServiceNameDiffers   = errors.New(`"service_name" differs between the entries of app`)
	errDiscoveryInterval    = fmt.Errorf(`"discovery_interval" must be at least %s`, minInterval)
	errEnvironmentID        = errors.New(`"environments[].id" must be set`)
	errDuplicateEnvironment = errors.New(`duplicate environment id`)
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

// AppConfig selects the usage of one Forge app.
type AppConfig struct {
	// AppID is the app's id, bare or as its ARI (ari:cloud:ecosystem::app/<id>).
	AppID       string `mapstructure:"app_id"`
	ServiceName string `mapstructure:"service_name"`
	// Environments lists the environments to read; left out (nil), they are discovered. An
	// empty list is an error, not a request for discovery.
	Environments []EnvironmentConfig `mapstructure:"environments"`
	// EnvironmentTypes selects discovered environments by type; empty selects all.
	EnvironmentTypes []string `mapstructure:"environment_types"`
}

// EnvironmentConfig is one environment of an app.
type EnvironmentConfig struct {
	ID   string `mapstructure:"id"`
	Name string `mapstructure:"name"`
}

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
	errs = append(errs, cfg.validateApps()...)
	return errors.Join(errs...)
}

func (cfg *Config) validateApps() []error {
	if len(cfg.Apps) == 0 {
		return []error{errNoApps}
	}
	var errs []error
	first := map[string]int{} // bare app id -> its first entry
	envs := map[[2]string]bool{}
	entries := map[string]int{}
	for _, app := range cfg.Apps {
		entries[apiconfig.BareAppID(app.AppID)]++
	}
	for i, app := range cfg.Apps {
		where := fmt.Sprintf("apps[%d]", i)
		id := apiconfig.BareAppID(app.AppID)
		if id == "" { // an ARI without its id counts as none
			errs = append(errs, fmt.Errorf("%s: %w", where, errAppID))
		} else if j, listed := first[id]; !listed {
			first[id] = i
		} else if other := cfg.Apps[j].ServiceName; app.ServiceName != other {
			// The entries of one app are read together, and their usage has one service.name.
			errs = append(errs, fmt.Errorf("%s.service_name: %w %q: %q here, %q in apps[%d]", where, errServiceNameDiffers, id, app.ServiceName, other, j))
		}
		errs = append(errs, discovery.ValidateEntry(where, app.discovers(), len(app.Environments), app.EnvironmentTypes, entries[id])...)
		for j, env := range app.Environments {
			switch key := [2]string{id, env.ID}; {
			case env.ID == "":
				errs = append(errs, fmt.Errorf("%s.environments[%d]: %w", where, j, errEnvironmentID))
			case envs[key]:
				errs = append(errs, fmt.Errorf("%s.environments[%d]: %w %q of app %q", where, j, errDuplicateEnvironment, env.ID, id))
			default:
				envs[key] = true
			}
		}
	}
	return errs
}

// apps lists one entry per app, in the order of their first entries, with the environments of
// every entry of the app: one call per (app, resource, window) covers all of them.
func (cfg *Config) apps() []AppConfig {
	var out []AppConfig
	at := map[string]int{}
	for _, app := range cfg.Apps {
		id := apiconfig.BareAppID(app.AppID)
		if i, listed := at[id]; listed {
			out[i].Environments = append(out[i].Environments, app.Environments...)
			continue
		}
		at[id] = len(out)
		app.Environments = slices.Clone(app.Environments)
		out = append(out, app)
	}
	return out
}

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

// discovers reports whether the app's environments are discovered: its entry has no
// "environments" key at all.
func (app AppConfig) discovers() bool { return app.Environments == nil }

// serviceName is the resource service.name of an app's usage.
func (app AppConfig) serviceName() string {
	if app.ServiceName != "" {
		return app.ServiceName
	}
	return apiconfig.BareAppID(app.AppID)
}
