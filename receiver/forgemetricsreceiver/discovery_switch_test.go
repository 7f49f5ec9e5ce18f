package forgemetricsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// A user who lists an app's environments and then leaves the list out, to have them discovered,
// restarts with the app's checkpoint and no position of any environment: the environments the
// app was polled in resume from that checkpoint, not from initial_lookback, which would deliver
// again (and count twice, for delta sums) what the listed configuration delivered.
func TestReceiverSwitchedFromListedToDiscoveredEnvironmentsDeliversEachPointOnce(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")

	listed := discoveringConfig(srv.URL)
	listed.Apps[0].Environments = []EnvironmentConfig{{ID: "env-1"}, {ID: "env-2"}}
	listed.StorageID = &storageID
	first := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, listed, host, first, clock), clock, simNow.Add(30*time.Minute))
	require.Positive(t, first.DataPointCount())

	discovering := discoveringConfig(srv.URL)
	discovering.StorageID = &storageID
	second := &consumertest.MetricsSink{}
	r := startDiscovering(t, discovering, host, second, clock)
	runTo(t, r, clock, simNow.Add(50*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))
	require.Positive(t, second.DataPointCount(), "the discovering receiver delivered new windows")

	caughtUp := clock.Now().Add(-discovering.Delay - discovering.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-listed.InitialLookback), caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}

// A version before discovery kept only the app's checkpoint of a listed app. Switched to
// discovery, the environments of the first listing resume from it: what lies before it was
// delivered.
func TestReceiverResumesAnAppListedBeforeDiscoveryFromItsCheckpoint(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg := discoveringConfig(srv.URL)
	cfg.StorageID = &storageID

	listedUntil := simNow.Add(-20 * time.Minute)
	store, client, err := checkpoint.Open(context.Background(), host, &storageID, settings.ID, zap.NewNop())
	require.NoError(t, err)
	require.NoError(t, store.Save(context.Background(), "metrics/app-1", checkpoint.State{WindowStart: listedUntil}))
	require.NoError(t, client.Close(context.Background()))

	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, sink, clock)
	runTo(t, r, clock, simNow.Add(20*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, sink.AllMetrics())
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-24*time.Hour), listedUntil) {
		require.Zero(t, got[p.Key()], "point %s was delivered while the environments were listed", p.Key())
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1", "env-2"}, nil, listedUntil, caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}

// The app's checkpoint that a stream of discovered environments wrote says nothing of an
// environment created while the collector was down: after the restart it starts at
// initial_lookback like any new environment, not at the app's checkpoint.
func TestReceiverRestartedStartsAnEnvironmentCreatedMeanwhileAtInitialLookback(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	first := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, first, clock)
	runTo(t, r, clock, simNow.Add(30*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))
	sim.AddEnvironment("app-1", "env-new", "DEVELOPMENT")

	restart := clock.Now()
	second := &consumertest.MetricsSink{}
	r = startDiscovering(t, cfg, host, second, clock)
	runTo(t, r, clock, restart.Add(20*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	newStart := restart.Add(-cfg.InitialLookback).Truncate(time.Minute)
	for _, p := range sim.VisiblePoints("app-1", []string{"env-new"}, nil, newStart, caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-new"}, nil, simNow.Add(-24*time.Hour), newStart) {
		require.Zero(t, got[p.Key()], "point %s before the new environment's initial_lookback", p.Key())
	}
}

// Switched to listed environments and back, an app's environments resume where the listed
// configuration left them, not where discovery had left them before.
func TestReceiverSwitchedToListedAndBackDeliversEachPointOnce(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	discovering := discoveringConfig(srv.URL)
	discovering.StorageID = &storageID
	listed := discoveringConfig(srv.URL)
	listed.Apps[0].Environments = []EnvironmentConfig{{ID: "env-1"}, {ID: "env-2"}}
	listed.StorageID = &storageID

	first := &consumertest.MetricsSink{}
	r := startDiscovering(t, discovering, host, first, clock)
	runTo(t, r, clock, simNow.Add(20*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	second := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, listed, host, second, clock), clock, simNow.Add(40*time.Minute))
	require.Positive(t, second.DataPointCount())

	third := &consumertest.MetricsSink{}
	r = startDiscovering(t, discovering, host, third, clock)
	runTo(t, r, clock, simNow.Add(55*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))
	require.Positive(t, third.DataPointCount())

	caughtUp := clock.Now().Add(-discovering.Delay - discovering.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, append(append(first.AllMetrics(), second.AllMetrics()...), third.AllMetrics()...))
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-discovering.InitialLookback), caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}

// An environment deleted for good is refused (404) by the metrics API until the next listing
// drops it; then the app's calls leave it out, and its other environments go on.
func TestReceiverGoesOnWithoutADeletedEnvironment(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host(t, cfg), sink, clock)
	runTo(t, r, clock, simNow.Add(5*time.Minute))
	sim.RemoveEnvironment("app-1", "env-2")
	runTo(t, r, clock, simNow.Add(60*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, sink.AllMetrics())
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}

// An environment that appears while the app is still far behind catches up from its own
// initial_lookback, joins the app's calls where it stands with the others, and nothing is
// delivered twice or missed.
func TestReceiverTakesAnEnvironmentThatAppearsWhileTheAppIsBehind(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	cfg.InitialLookback = 6 * time.Hour
	cfg.RequestsPerMinute = 1
	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host(t, cfg), sink, clock)
	runTo(t, r, clock, simNow.Add(5*time.Minute))
	sim.AddEnvironment("app-1", "env-new", "STAGING")
	runTo(t, r, clock, simNow.Add(80*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, sink.AllMetrics())
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
	newStart := simNow.Add(10*time.Minute - cfg.InitialLookback)
	for _, p := range sim.VisiblePoints("app-1", []string{"env-new"}, nil, newStart, caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}
