package forgemetricsreceiver

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// An environment created while the collector runs is polled from initial_lookback on, first in
// calls of its own, then in the app's calls with the others; no point of any environment is
// delivered twice, also across a restart, and a vanished environment resumes where it stopped.
func TestReceiverPollsADiscoveredEnvironmentExactlyOnce(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID

	first := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, first, clock)
	clock.RunTo(simNow.Add(15 * time.Minute))
	// Created between two listings: the listing at +20m finds it.
	sim.AddEnvironment("app-1", "env-new", "DEVELOPMENT")
	clock.RunTo(simNow.Add(40 * time.Minute))
	clock.Stop(r)

	second := &consumertest.MetricsSink{}
	r = startDiscovering(t, cfg, host, second, clock)
	clock.RunTo(simNow.Add(50 * time.Minute))
	clock.Stop(r)

	caughtUp := caughtUpTo(clock, cfg)
	newStart := simNow.Add(20*time.Minute - cfg.InitialLookback)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp))
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-new"}, nil, newStart, caughtUp))
	receiverharness.RequireNoneOf(t, got, visibleKeys(sim, "app-1", []string{"env-new"}, nil, simNow.Add(-24*time.Hour), newStart), "before the new environment's initial_lookback")

	// The new environment caught up in calls of its own, then joined the app's calls.
	var own, joint int
	for _, req := range sim.Requests() {
		if req.API != "metrics" {
			continue
		}
		require.Equal(t, http.StatusOK, req.Status, "%+v", req)
		require.LessOrEqual(t, req.End.Sub(req.Start), 15*time.Minute)
		switch {
		case slices.Equal(req.Environments, []string{"env-new"}):
			own++
		case slices.Equal(req.Environments, []string{"env-1", "env-2", "env-new"}):
			joint++
		}
	}
	assert.Equal(t, 4, own, "an hour of backlog in 15-minute calls")
	assert.Positive(t, joint)
}

func TestReceiverKeepsAVanishedEnvironmentsPosition(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, storedProgress(t, cfg), sink, clock)
	clock.RunTo(simNow.Add(5 * time.Minute))
	sim.RemoveEnvironment("app-1", "env-2")
	clock.RunTo(simNow.Add(45 * time.Minute))
	sim.AddEnvironment("app-1", "env-2", "")
	clock.RunTo(simNow.Add(70 * time.Minute))
	clock.Stop(r)

	caughtUp := caughtUpTo(clock, cfg)
	got := pointKeys(t, sink.AllMetrics())
	receiverharness.RequireNoneTwice(t, got)
	// Gone from +10m to +50m, env-2 resumed where it stopped: none of its points is missing.
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp))
}

// A crash between saving the positions of the environments that shared a call and committing the
// app's window leaves some environments ahead of the window: after the restart they are asked
// only for what lies after their own position.
func TestReceiverResumesEachEnvironmentFromItsOwnPosition(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID

	windowStart := simNow.Add(-30 * time.Minute)
	windowEnd := windowStart.Add(15 * time.Minute)
	receiverharness.SaveCheckpoints(t, host, storageID, settings.ID, map[string]checkpoint.State{
		"metrics/app-1":           {WindowStart: windowStart},
		"metrics/app-1/env/env-1": {WindowStart: windowEnd},
		"metrics/app-1/env/env-2": {WindowStart: windowStart},
	})

	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, sink, clock)
	clock.RunTo(simNow.Add(10 * time.Minute))
	clock.Stop(r)

	caughtUp := caughtUpTo(clock, cfg)
	got := pointKeys(t, sink.AllMetrics())
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireNoneOf(t, got, visibleKeys(sim, "app-1", []string{"env-1"}, nil, windowStart, windowEnd), "env-1's point was delivered before the crash")
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1"}, nil, windowEnd, caughtUp))
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-2"}, nil, windowStart, caughtUp))
}

// An environment deleted for good is refused (404) by the metrics API until the next listing
// drops it; then the app's calls leave it out, and its other environments go on.
func TestReceiverGoesOnWithoutADeletedEnvironment(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, storedProgress(t, cfg), sink, clock)
	clock.RunTo(simNow.Add(5 * time.Minute))
	sim.RemoveEnvironment("app-1", "env-2")
	clock.RunTo(simNow.Add(60 * time.Minute))
	clock.Stop(r)

	caughtUp := caughtUpTo(clock, cfg)
	got := pointKeys(t, sink.AllMetrics())
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp))
}

// An environment that appears while the app is still far behind catches up from its own
// initial_lookback, joins the app's calls where it stands with the others, and nothing is
// delivered twice or missed.
func TestReceiverTakesAnEnvironmentThatAppearsWhileTheAppIsBehind(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	cfg.InitialLookback = 6 * time.Hour
	cfg.RequestsPerMinute = 1
	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, storedProgress(t, cfg), sink, clock)
	clock.RunTo(simNow.Add(5 * time.Minute))
	sim.AddEnvironment("app-1", "env-new", "STAGING")
	clock.RunTo(simNow.Add(80 * time.Minute))
	clock.Stop(r)

	caughtUp := caughtUpTo(clock, cfg)
	got := pointKeys(t, sink.AllMetrics())
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp))
	newStart := simNow.Add(10*time.Minute - cfg.InitialLookback)
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-new"}, nil, newStart, caughtUp))
}
