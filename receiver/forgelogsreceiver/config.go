package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/discovery"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
)

const (
	// A record the API serves at once reaches the pipeline within poll_interval + delay (plus
	// the turns of the app's other streams, see pacing.go): well within SPEC's 15 seconds.
	defaultPollInterval = 5 * time.Second
	defaultDelay        = 2 * time.Second
	// defaultLateArrival reads each window again once it is 10 minutes old.
	defaultLateArrival       = 10 * time.Minute
	defaultInitialLookback   = time.Hour
	defaultRequestsPerMinute = 30

	// maxLookback is the API's retention: dates older than 14 days are refused.
	maxLookback = 14 * 24 * time.Hour
	// maxRequestsPerMinute is the API's rate limit per app id.
	maxRequestsPerMinute = 30
	minInterval          = time.Second
	// maxLateArrival bounds what the checkpoint remembers of delivered records.
	maxLateArrival = time.Hour
)

// Levels accepted by the API's `level` parameter.
var validLevels = map[string]bool{"TRACE": true, "DEBUG": true, "INFO": true, "WARN": true, "ERROR": true, "FATAL": true}

var (
	errNoApps              = errors.New(`"apps" must list at least one app`)
	errPollInterval        = fmt.Errorf(`"poll_interval" must be at least %s`, minInterval)
	errDelay               = fmt.Errorf(`"delay" must be at least %s`, minInterval)
	errLateArrival         = fmt.Errorf(`"late_arrival" must be 0 (off) or above "delay" and at most %s`, maxLateArrival)
	errInitialLookback     = fmt.Errorf(`"initial_lookback" must be positive and at most %s (the API keeps 14 days)`, maxLookback)
	errRequestsPerMinute   = fmt.Errorf(`"requests_per_minute" must be between 1 and %d (the API's limit per app; more only for a loopback endpoint)`, maxRequestsPerMinute)
	errAppID               = errors.New(`"app_id" must be set`)
	errDiscoveryInterval   = fmt.Errorf(`"discovery_interval" must be at least %s`, minInterval)
	errEnvironmentID       = errors.New(`"environments[].id" must be set`)
	errDuplicateStream     = errors.New(`duplicate (app_id, environment id) pair`)
	errUnknownLevel        = errors.New(`"levels" has an unknown level (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL)`)
	errEmptyInstallationCx = errors.New(`"installation_contexts" has an empty entry`)
)

// Config is the configuration of the forgelogs receiver.
type Config struct {
	confighttp.ClientConfig `mapstructure:",squash"`

	// Email and APIToken are the Basic auth credentials of an Atlassian account that may read the app's logs.
	Email    string              `mapstructure:"email"`
	APIToken configopaque.String `mapstructure:"api_token"`

	// PollInterval is how often a caught-up stream asks for new logs.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Delay keeps windows this far behind now, so logs ingested late by the API are not missed.
	Delay time.Duration `mapstructure:"delay"`
	// LateArrival is the age at which a window is read again, for the records the API served
	// after its first reading; 0 turns the second reading off.
	LateArrival time.Duration `mapstructure:"late_arrival"`
	// InitialLookback is where a stream without a checkpoint starts.
	InitialLookback time.Duration `mapstructure:"initial_lookback"`
	// RequestsPerMinute is the request budget of one app id, shared by all of its streams. Values
	// above the API's limit are accepted only for a loopback endpoint, so tests and benchmarks
	// against the simulator can go faster while the real API is never asked for more.
	RequestsPerMinute int `mapstructure:"requests_per_minute"`
	// StorageID names the storage extension that keeps checkpoints; without it progress lives in memory.
	StorageID *component.ID `mapstructure:"storage"`
	// DiscoveryInterval is how often the environments of apps configured without them are listed.
	DiscoveryInterval time.Duration `mapstructure:"discovery_interval"`

	Apps []AppConfig `mapstructure:"apps"`
}

// AppConfig selects the logs of one Forge app.
type AppConfig struct {
	AppID       string `mapstructure:"app_id"`
	ServiceName string `mapstructure:"service_name"`
	// Environments lists the environments to poll; left out (nil), they are discovered. An
	// explicitly empty list is refused.
	Environments []EnvironmentConfig `mapstructure:"environments"`
	// EnvironmentTypes selects discovered environments by type; empty selects all.
	EnvironmentTypes []string `mapstructure:"environment_types"`
	Levels           []string `mapstructure:"levels"`
	Message          string   `mapstructure:"message"`
	// InstallationContexts are site ARIs; more than 50 are split into streams of at most 50 each.
	InstallationContexts []string `mapstructure:"installation_contexts"`
}

// EnvironmentConfig is one environment of an app.
type EnvironmentConfig struct {
	ID   string `mapstructure:"id"`
	Name string `mapstructure:"name"`
}

// Validate reports every problem of the configuration at once.
func (cfg *Config) Validate() error {
	var errs []error
	errs = append(errs, apiconfig.ValidateEndpoint(cfg.Endpoint))
	errs = append(errs, apiconfig.ValidateCredentials(cfg.Email, cfg.APIToken, cfg.Auth.HasValue()))
	if cfg.PollInterval < minInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", errPollInterval, cfg.PollInterval))
	}
	if cfg.Delay < minInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", errDelay, cfg.Delay))
	}
	if cfg.LateArrival < 0 || cfg.LateArrival > maxLateArrival || (cfg.LateArrival > 0 && cfg.LateArrival <= cfg.Delay) {
		errs = append(errs, fmt.Errorf("%w, got %s", errLateArrival, cfg.LateArrival))
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
	errs = append(errs, cfg.validateApps()...)
	return errors.Join(errs...)
}

func (cfg *Config) validateApps() []error {
	if len(cfg.Apps) == 0 {
		return []error{errNoApps}
	}
	var errs []error
	seen := map[[2]string]bool{}
	entries := map[string]int{}
	for _, app := range cfg.Apps {
		entries[app.id()]++
	}
	for i, app := range cfg.Apps {
		where := fmt.Sprintf("apps[%d]", i)
		if app.id() == "" { // an ARI without its id counts as none
			errs = append(errs, fmt.Errorf("%s: %w", where, errAppID))
		}
		errs = append(errs, discovery.ValidateEntry(where, app.discovers(), len(app.Environments), app.EnvironmentTypes, entries[app.id()])...)
		for j, env := range app.Environments {
			if env.ID == "" {
				errs = append(errs, fmt.Errorf("%s.environments[%d]: %w", where, j, errEnvironmentID))
				continue
			}
			key := [2]string{app.id(), env.ID}
			if seen[key] {
				errs = append(errs, fmt.Errorf("%s.environments[%d]: %w: app %q, environment %q", where, j, errDuplicateStream, app.id(), env.ID))
			}
			seen[key] = true
		}
		for _, level := range app.Levels {
			if !validLevels[level] {
				errs = append(errs, fmt.Errorf("%s: %w, got %q", where, errUnknownLevel, level))
			}
		}
		for _, site := range app.InstallationContexts {
			if strings.TrimSpace(site) == "" {
				errs = append(errs, fmt.Errorf("%s: %w", where, errEmptyInstallationCx))
				break
			}
		}
	}
	return errs
}

// discovers reports whether the app's environments are discovered: its entry has no
// "environments" key at all.
func (app AppConfig) discovers() bool { return app.Environments == nil }

// id is the app's bare id, whether app_id was given bare or as the app's ARI.
func (app AppConfig) id() string { return apiconfig.BareAppID(app.AppID) }

// serviceName is the resource service.name of an app's logs.
func (app AppConfig) serviceName() string {
	if app.ServiceName != "" {
		return app.ServiceName
	}
	return app.id()
}
