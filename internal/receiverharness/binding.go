package receiverharness

import (
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// MetricsReceiver binds what only a metrics receiver's tests know, so that the harness makes and
// starts its receivers: the factory, the settings of a receiver that restarts as itself, how to
// put a receiver made by the factory on the fake clock, and how many of its goroutines sleep on
// the clock for a configuration.
type MetricsReceiver[C component.Config, R component.Component] struct {
	Factory  receiver.Factory
	Settings receiver.Settings
	// OnClock puts r on clock, with every backoff at its ceiling (CeilingJitter).
	OnClock func(r R, clock *clocktest.Fake)
	// Sleepers is how many goroutines of a started receiver of cfg sleep on the clock.
	Sleepers func(cfg C) int
}

// Create makes a receiver of cfg named by set, delivering to next, on clock's time.
func (b MetricsReceiver[C, R]) Create(t testing.TB, cfg C, set receiver.Settings, next consumer.Metrics, clock *FakeTime) R {
	t.Helper()
	r := CreateMetrics(t, b.Factory, set, cfg, next).(R)
	b.OnClock(r, clock.Fake)
	return r
}

// Start makes a receiver of cfg, delivering to next, and starts it on host and clock.
func (b MetricsReceiver[C, R]) Start(t testing.TB, cfg C, host component.Host, next consumer.Metrics, clock *FakeTime) R {
	t.Helper()
	r := b.Create(t, cfg, b.Settings, next, clock)
	clock.Start(r, b.Sleepers(cfg), host)
	return r
}
