package receiverharness

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// CeilingJitter takes no randomness out of a backoff: every wait is its ceiling, on every run.
func CeilingJitter(d time.Duration) time.Duration { return d }

// FakeTime runs receivers on a fake clock. The test is one more participant of the clock, which
// never sleeps: time stands still while receivers start, however fast their goroutines reach
// their first sleep, and moves only once RunTo says where it stops.
type FakeTime struct {
	*clocktest.Fake
	t testing.TB
	// sleepers is, per started receiver, how many of its goroutines sleep on the clock;
	// running is their sum.
	sleepers map[component.Component]int
	running  int
}

// NewFakeTime returns a fake clock at now.
func NewFakeTime(t testing.TB, now time.Time) *FakeTime {
	return &FakeTime{Fake: clocktest.NewFake(now), t: t, sleepers: map[component.Component]int{}}
}

// Start starts r on host. sleepers is how many of r's goroutines sleep on the clock once it
// runs (its streams, its watchers); time holds still until RunTo.
func (f *FakeTime) Start(r component.Component, sleepers int, host component.Host) {
	f.t.Helper()
	f.running += sleepers
	f.sleepers[r] += sleepers
	f.SetParticipants(f.running + 1)
	require.NoError(f.t, r.Start(context.Background(), host))
}

// RunTo lets time go until at, then holds it there: the started receivers keep what they hold,
// asleep until the next RunTo or Stop.
func (f *FakeTime) RunTo(at time.Time) {
	f.t.Helper()
	// With nothing asleep on it the clock never moves, and the test would wait for ever.
	require.Positive(f.t, f.running, "no started receiver sleeps on the clock: time cannot move")
	stopped := make(chan struct{})
	f.StopAt(at, func() { close(stopped) })
	f.SetParticipants(f.running) // the test lets time go
	<-stopped
}

// Stop shuts r down; its goroutines no longer take part in the clock.
func (f *FakeTime) Stop(r component.Component) {
	f.t.Helper()
	require.NoError(f.t, r.Shutdown(context.Background()))
	f.running -= f.sleepers[r]
	delete(f.sleepers, r)
}

// RunUntil lets r run until the clock reaches until, then shuts it down.
func (f *FakeTime) RunUntil(r component.Component, until time.Time) {
	f.t.Helper()
	f.RunTo(until)
	f.Stop(r)
}
