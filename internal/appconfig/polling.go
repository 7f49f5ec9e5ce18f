package appconfig

import (
	"fmt"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
)

// Polling are the keys that pace an API read window by window, the same in forgemetrics and
// forgeusage: squashed into their Config, validated once.
type Polling struct {
	// CollectionInterval is how often a caught-up stream asks for a new window.
	CollectionInterval time.Duration `mapstructure:"collection_interval"`
	// Delay keeps windows this far behind now, so data the API aggregates late is not missed.
	Delay time.Duration `mapstructure:"delay"`
	// InitialLookback is where a stream without a checkpoint starts.
	InitialLookback time.Duration `mapstructure:"initial_lookback"`
	// RequestsPerMinute is the account's request budget for the API, shared by all of its streams.
	RequestsPerMinute int `mapstructure:"requests_per_minute"`
	// DiscoveryInterval is how often the environments of apps configured without them are listed.
	DiscoveryInterval time.Duration `mapstructure:"discovery_interval"`
}

const (
	// MinInterval is the shortest interval or delay accepted.
	MinInterval = time.Second
	// MaxLookback is how far back a stream may start: the Forge export APIs keep 14 days.
	MaxLookback = 14 * 24 * time.Hour
	// MaxRequestsPerMinute is the metrics and usage APIs' limit per account (SPEC 9, 11).
	MaxRequestsPerMinute = 5
)

var (
	ErrCollectionInterval = fmt.Errorf(`"collection_interval" must be at least %s`, MinInterval)
	ErrDelay              = fmt.Errorf(`"delay" must be at least %s`, MinInterval)
	ErrInitialLookback    = fmt.Errorf(`"initial_lookback" must be positive and at most %s (the API keeps 14 days)`, MaxLookback)
	ErrRequestsPerMinute  = fmt.Errorf(`"requests_per_minute" must be between 1 and %d (the API's limit per account; more only for a loopback endpoint)`, MaxRequestsPerMinute)
	ErrDiscoveryInterval  = fmt.Errorf(`"discovery_interval" must be at least %s`, MinInterval)
)

// Validate returns every problem of the block, for a receiver whose API is at endpoint.
func (p Polling) Validate(endpoint string) []error {
	var errs []error
	if p.CollectionInterval < MinInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", ErrCollectionInterval, p.CollectionInterval))
	}
	if p.Delay < MinInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", ErrDelay, p.Delay))
	}
	if p.InitialLookback <= 0 || p.InitialLookback > MaxLookback {
		errs = append(errs, fmt.Errorf("%w, got %s", ErrInitialLookback, p.InitialLookback))
	}
	if p.RequestsPerMinute < 1 || (p.RequestsPerMinute > MaxRequestsPerMinute && !apiconfig.IsLoopback(endpoint)) {
		errs = append(errs, fmt.Errorf("%w, got %d", ErrRequestsPerMinute, p.RequestsPerMinute))
	}
	if p.DiscoveryInterval < MinInterval {
		errs = append(errs, fmt.Errorf("%w, got %s", ErrDiscoveryInterval, p.DiscoveryInterval))
	}
	return errs
}
