package forgemetricsreceiver

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// discoveringConfig polls app-1 by its id alone, listing its environments every 10 minutes.
func discoveringConfig(endpoint string) *Config {
	cfg := testConfig(endpoint)
	cfg.Apps = []AppConfig{{AppID: "app-1", ServiceName: "first-app"}}
	cfg.DiscoveryInterval = 10 * time.Minute
	return cfg
}

// startDiscovering starts a receiver whose apps all discover their environments: each has a
// watcher and, once its environments are known, one stream; both sleep on clock.
func startDiscovering(t *testing.T, cfg *Config, host component.Host, sink *consumertest.MetricsSink, clock *clocktest.Fake) *metricsReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateMetrics(context.Background(), settings, cfg, sink)
	require.NoError(t, err)
	r := rcv.(*metricsReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	clock.SetParticipants(2*len(cfg.Apps) + 1) // the test holds time until it says where to stop
	require.NoError(t, r.Start(context.Background(), host))
	return r
}

// runTo lets time go until at, then holds it there.
func runTo(t *testing.T, r *metricsReceiver, clock *clocktest.Fake, at time.Time) {
	t.Helper()
	stopped := make(chan struct{})
	clock.StopAt(at, func() { close(stopped) })
	clock.SetParticipants(2 * len(r.cfg.Apps))
	<-stopped
}

// An environment created while the collector runs is polled from initial_lookback on, first in
// calls of its own, then in the app's calls with the others; no point of any environment is
// delivered twice, also across a restart, and a vanished environment resumes where it stopped.
func TestReceiverPollsADiscoveredEnvironmentExactlyOnce(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	first := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, first, clock)
	runTo(t, r, clock, simNow.Add(15*time.Minute))
	// Created between two listings: the listing at +20m finds it.
	sim.AddEnvironment("app-1", "env-new", "DEVELOPMENT")
	runTo(t, r, clock, simNow.Add(40*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	second := &consumertest.MetricsSink{}
	r = startDiscovering(t, cfg, host, second, clock)
	runTo(t, r, clock, simNow.Add(50*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	want := map[string]bool{}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp) {
		want[p.Key()] = true
	}
	newStart := simNow.Add(20*time.Minute - cfg.InitialLookback)
	for _, p := range sim.VisiblePoints("app-1", []string{"env-new"}, nil, newStart, caughtUp) {
		want[p.Key()] = true
	}
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for key := range want {
		require.Equal(t, 1, got[key], "point %s", key)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-new"}, nil, simNow.Add(-24*time.Hour), newStart) {
		require.Zero(t, got[p.Key()], "point %s before the new environment's initial_lookback", p.Key())
	}

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
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host(t, cfg), sink, clock)
	runTo(t, r, clock, simNow.Add(5*time.Minute))
	sim.RemoveEnvironment("app-1", "env-2")
	runTo(t, r, clock, simNow.Add(45*time.Minute))
	sim.AddEnvironment("app-1", "env-2", "")
	runTo(t, r, clock, simNow.Add(70*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, sink.AllMetrics())
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	// Gone from +10m to +50m, env-2 resumed where it stopped: none of its points is missing.
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1", "env-2"}, nil, simNow.Add(-cfg.InitialLookback), caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}

// host is a storage host, so that positions are kept as in production.
func host(t *testing.T, _ *Config) component.Host {
	t.Helper()
	return storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
}

// A crash between saving the positions of the environments that shared a call and committing the
// app's window leaves some environments ahead of the window: after the restart they are asked
// only for what lies after their own position.
func TestReceiverResumesEachEnvironmentFromItsOwnPosition(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	windowStart := simNow.Add(-30 * time.Minute)
	windowEnd := windowStart.Add(15 * time.Minute)
	store, client, err := checkpoint.Open(context.Background(), host, &storageID, settings.ID, zap.NewNop())
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, store.Save(ctx, "metrics/app-1", checkpoint.State{WindowStart: windowStart}))
	require.NoError(t, store.Save(ctx, "metrics/app-1/env/env-1", checkpoint.State{WindowStart: windowEnd}))
	require.NoError(t, store.Save(ctx, "metrics/app-1/env/env-2", checkpoint.State{WindowStart: windowStart}))
	require.NoError(t, client.Close(ctx))

	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, sink, clock)
	runTo(t, r, clock, simNow.Add(10*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, sink.AllMetrics())
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1"}, nil, windowStart, windowEnd) {
		require.Zero(t, got[p.Key()], "env-1's point %s was delivered before the crash", p.Key())
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1"}, nil, windowEnd, caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-2"}, nil, windowStart, caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}
