package forgemetricsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// A user who lists an app's environments and then leaves the list out, to have them discovered,
// restarts with the app's checkpoint and no position of any environment: the environments the
// app was polled in resume from that checkpoint, not from initial_lookback, which would deliver
// again (and count twice, for delta sums) what the listed configuration delivered.
func TestReceiverSwitchedFromListedToDiscoveredEnvironmentsDeliversEachPointOnce(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	host, storageID := receiverharness.StorageHost(t)

	listed := discoveringConfig(srv.URL)
	listed.Apps[0].Environments = []EnvironmentConfig{{ID: "env-1"}, {ID: "env-2"}}
	listed.StorageID = storageID
	first := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, listed, host, first, clock), simNow.Add(30*time.Minute))
	require.Positive(t, first.DataPointCount())

	discovering := discoveringConfig(srv.URL)
	discovering.StorageID = storageID
	second := &consumertest.MetricsSink{}
	r := startDiscovering(t, discovering, host, second, clock)
	clock.RunTo(simNow.Add(50 * time.Minute))
	clock.Stop(r)
	require.Positive(t, second.DataPointCount(), "the discovering receiver delivered new windows")

	caughtUp := caughtUpTo(clock, discovering)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-listed.InitialLookback), caughtUp))
}

// A version before discovery kept only the app's checkpoint of a listed app. Switched to
// discovery, the environments of the first listing resume from it: what lies before it was
// delivered.
func TestReceiverResumesAnAppListedBeforeDiscoveryFromItsCheckpoint(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	host, storageID := receiverharness.StorageHost(t)
	cfg := discoveringConfig(srv.URL)
	cfg.StorageID = storageID

	listedUntil := simNow.Add(-20 * time.Minute)
	receiverharness.SaveCheckpoints(t, host, storageID, settings.ID, map[string]checkpoint.State{"metrics/app-1": {WindowStart: listedUntil}})

	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, sink, clock)
	clock.RunTo(simNow.Add(20 * time.Minute))
	clock.Stop(r)

	caughtUp := caughtUpTo(clock, cfg)
	got := pointKeys(t, sink.AllMetrics())
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireNoneOf(t, got, visibleKeys(sim, "app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-24*time.Hour), listedUntil), "while the environments were listed")
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1", "env-2"}, nil, listedUntil, caughtUp))
}

// The app's checkpoint that a stream of discovered environments wrote says nothing of an
// environment created while the collector was down: after the restart it starts at
// initial_lookback like any new environment, not at the app's checkpoint.
func TestReceiverRestartedStartsAnEnvironmentCreatedMeanwhileAtInitialLookback(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID

	first := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, first, clock)
	clock.RunTo(simNow.Add(30 * time.Minute))
	clock.Stop(r)
	sim.AddEnvironment("app-1", "env-new", "DEVELOPMENT")

	restart := clock.Now()
	second := &consumertest.MetricsSink{}
	r = startDiscovering(t, cfg, host, second, clock)
	clock.RunTo(restart.Add(20 * time.Minute))
	clock.Stop(r)

	caughtUp := caughtUpTo(clock, cfg)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	receiverharness.RequireNoneTwice(t, got)
	newStart := restart.Add(-cfg.InitialLookback).Truncate(time.Minute)
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-new"}, nil, newStart, caughtUp))
	receiverharness.RequireNoneOf(t, got, visibleKeys(sim, "app-1", []string{"env-new"}, nil, simNow.Add(-24*time.Hour), newStart), "before the new environment's initial_lookback")
}

// Switched to listed environments and back, an app's environments resume where the listed
// configuration left them, not where discovery had left them before.
func TestReceiverSwitchedToListedAndBackDeliversEachPointOnce(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	host, storageID := receiverharness.StorageHost(t)
	discovering := discoveringConfig(srv.URL)
	discovering.StorageID = storageID
	listed := discoveringConfig(srv.URL)
	listed.Apps[0].Environments = []EnvironmentConfig{{ID: "env-1"}, {ID: "env-2"}}
	listed.StorageID = storageID

	first := &consumertest.MetricsSink{}
	r := startDiscovering(t, discovering, host, first, clock)
	clock.RunTo(simNow.Add(20 * time.Minute))
	clock.Stop(r)

	second := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, listed, host, second, clock), simNow.Add(40*time.Minute))
	require.Positive(t, second.DataPointCount())

	third := &consumertest.MetricsSink{}
	r = startDiscovering(t, discovering, host, third, clock)
	clock.RunTo(simNow.Add(55 * time.Minute))
	clock.Stop(r)
	require.Positive(t, third.DataPointCount())

	caughtUp := caughtUpTo(clock, discovering)
	got := pointKeys(t, append(append(first.AllMetrics(), second.AllMetrics()...), third.AllMetrics()...))
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireEachOnce(t, got, visibleKeys(sim, "app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-discovering.InitialLookback), caughtUp))
}
