package forgeusagereceiver

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// startDiscovering starts a receiver of cfg with participants goroutines sleeping on clock once
// every app's environments are known (its watchers and streams).
func startDiscovering(t *testing.T, cfg *Config, host component.Host, sink *consumertest.MetricsSink, clock *receiverharness.FakeTime, participants int) *usageReceiver {
	t.Helper()
	r := receivers.Create(t, cfg, settings, sink, clock)
	clock.Start(r, participants, host)
	return r
}

// Grouped by environment, an app's streams run across listings: an environment created while
// they run is named and kept from the first page read after the listing that found it, without
// any window read twice; its usage in windows read before is dropped, never delivered late.
func TestReceiverGroupedByEnvironmentTakesADiscoveredEnvironmentWhileRunning(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Apps = []AppConfig{{AppID: "app-1", ServiceName: "first-app"}}
	cfg.DiscoveryInterval = 10 * time.Minute
	participants := 1 + len(cfg.Resources) // the watcher, then one stream per resource

	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, statustest.NewHost(), sink, clock, participants)
	clock.RunTo(simNow.Add(15 * time.Minute))
	// Created between two listings: the listing at +20m finds it, before the window [-1h, 0)
	// becomes final at +1h.
	sim.AddEnvironment("app-1", "env-new", "DEVELOPMENT")
	clock.RunTo(simNow.Add(150 * time.Minute))
	clock.Stop(r)

	listedAt := simNow.Add(-time.Hour) // the first window read after env-new was listed
	want := map[string]float64{}
	for _, resource := range cfg.Resources {
		for _, p := range sim.VisibleUsage("app-1", resource, usageapi.GroupByEnvironment, "", simNow.Add(-cfg.InitialLookback), simNow.Add(time.Hour)) {
			if p.EnvironmentID == "env-new" && p.Start.Before(listedAt) {
				continue
			}
			v, _ := strconv.ParseFloat(p.Amount(), 64)
			want[p.Key()] = v
		}
	}
	got := usageKeys(t, sink.AllMetrics())
	requireExactlyOnce(t, want, got)
	assert.Contains(t, got, "FUNCTION_COMPUTE|env-new||"+strconv.FormatInt(listedAt.UnixNano(), 10))
	assert.Equal(t, map[string]string{"env-1": "env-1", "env-2": "env-2", "env-x": "env-x", "env-new": "env-new"},
		environmentNames(sink.AllMetrics()), "deployment.environment.name is the environment's key")

	// One stream per resource for the whole run (each window asked for once), and no call of the
	// app before its first listing.
	windows := map[string]int{}
	var listings int
	for _, req := range sim.Requests() {
		if req.API == "environments" {
			listings++
			continue
		}
		require.Positive(t, listings, "usage asked for before the first listing: %+v", req)
		windows[req.Resource+" "+req.Start.String()]++
	}
	for w, n := range windows {
		assert.Equal(t, 1, n, "window %s asked for %d times", w, n)
	}
	assert.Len(t, windows, len(cfg.Resources)*7, "five final windows at the start, two after the listing")
	assert.GreaterOrEqual(t, listings, 15)
}

// An app whose environments cannot be listed reads nothing and reports a recoverable status naming
// its discovery; the other apps go on.
func TestReceiverDiscoveryRefusedReportsRecoverable(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Apps = []AppConfig{{AppID: "app-unknown"}, {AppID: "app-2", Environments: []EnvironmentConfig{{ID: "env-3"}}}}
	participants := 1 + len(cfg.Resources) // app-unknown's watcher, app-2's streams

	sink := &consumertest.MetricsSink{}
	host := statustest.NewHost()
	r := startDiscovering(t, cfg, host, sink, clock, participants)
	clock.RunTo(simNow.Add(30 * time.Minute))
	clock.Stop(r)

	require.Positive(t, sink.DataPointCount(), "app-2 is read")
	var listings int
	for _, req := range sim.Requests() {
		if req.API == "environments" {
			listings++
			continue
		}
		assert.Equal(t, "app-2", req.AppID, "nothing of the undiscovered app is read: %+v", req)
	}
	assert.Positive(t, listings)
	var refused bool
	for _, ev := range host.Events() {
		if ev.Status() == componentstatus.StatusRecoverableError {
			require.Error(t, ev.Err())
			assert.Contains(t, ev.Err().Error(), "discovery/app-unknown")
			refused = true
		}
	}
	assert.True(t, refused, "a refused listing is reported")
}

// Discovery starts and stops per-site streams as environments come and go, so this test runs on
// the wall clock, with intervals of a second, and waits for what the receiver delivers and logs.
const eventually = 20 * time.Second

// Grouped by site, each discovered environment is read by streams of its own: a new environment's
// start at initial_lookback, a vanished one's stop.
func TestReceiverGroupedBySiteFollowsDiscoveredEnvironments(t *testing.T) {
	sim, srv := receiverharness.Sim(t, forgesim.Config{
		Apps: map[string][]string{"app-1": {"env-prod", "env-staging"}}, Origin: time.Now().Add(-48 * time.Hour),
	})
	cfg := testConfig(srv.URL)
	cfg.GroupBy = usageapi.GroupBySite
	cfg.Resources = []string{"FUNCTION_COMPUTE"}
	cfg.Delay, cfg.CollectionInterval, cfg.DiscoveryInterval = time.Second, time.Second, time.Second
	cfg.InitialLookback = 3 * time.Hour
	cfg.RequestsPerMinute = 6000
	cfg.Apps = []AppConfig{{AppID: "app-1"}}
	obs := receiverharness.Observe(t, settings, zap.InfoLevel)
	logs := obs.Logs
	sink := &consumertest.MetricsSink{}
	rcv := receiverharness.CreateMetrics(t, NewFactory(), obs.Settings, cfg, sink)
	require.NoError(t, rcv.Start(context.Background(), statustest.NewHost()))
	t.Cleanup(func() { _ = rcv.Shutdown(context.Background()) })

	has := func(env string) func() bool {
		return func() bool { _, ok := environmentNames(sink.AllMetrics())[env]; return ok }
	}
	require.Eventually(t, has("env-prod"), eventually, 10*time.Millisecond)
	require.Eventually(t, has("env-staging"), eventually, 10*time.Millisecond)

	// A developer creates an environment: it is read without a restart, from initial_lookback.
	sim.AddEnvironment("app-1", "env-dev-bob", "DEVELOPMENT")
	require.Eventually(t, has("env-dev-bob"), eventually, 10*time.Millisecond)
	// An environment is deleted: its stream stops.
	sim.RemoveEnvironment("app-1", "env-staging")
	require.Eventually(t, func() bool {
		return logs.FilterMessage("Environment no longer listed; polling stops and its checkpoint is kept").Len() == 1
	}, eventually, 10*time.Millisecond)
	listings := func() int {
		n := 0
		for _, r := range sim.Requests() {
			if r.API == "environments" {
				n++
			}
		}
		return n
	}
	// The watcher stops the stream before its next listing; after that listing nothing asks for
	// the deleted environment any more.
	after := listings()
	require.Eventually(t, func() bool { return listings() >= after+1 }, eventually, 10*time.Millisecond)
	stoppedAt := time.Now()
	require.Eventually(t, func() bool { return listings() >= after+3 }, eventually, 10*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	var bobWindows []time.Time
	for _, r := range sim.Requests() {
		switch {
		case r.API != "usage":
		case r.EnvironmentID == "env-staging":
			assert.True(t, r.Time.Before(stoppedAt), "env-staging asked for after its stream stopped: %+v", r)
		case r.EnvironmentID == "env-dev-bob":
			bobWindows = append(bobWindows, r.Start)
		}
	}
	require.NotEmpty(t, bobWindows)
	// The new environment's first window is the one initial_lookback before it was listed.
	assert.WithinDuration(t, time.Now().Add(-cfg.InitialLookback), bobWindows[0], time.Hour+eventually)
	got := usageKeys(t, sink.AllMetrics())
	for key := range got {
		require.False(t, strings.Contains(key, "|env-x|"), key)
	}
	assert.Equal(t, map[string]string{"env-prod": "env-prod", "env-staging": "env-staging", "env-dev-bob": "env-dev-bob"},
		environmentNames(sink.AllMetrics()), "deployment.environment.name is the environment's key")
}

// An app without an environment of its environment_types reads nothing, since its usage would
// have nothing to be named by: windows passed then would be lost. Its streams start with the
// first environment listed, at initial_lookback.
func TestReceiverReadsNothingOfAnAppWithoutEnvironments(t *testing.T) {
	sim, srv := receiverharness.Sim(t, forgesim.Config{
		Apps: map[string][]string{"app-1": {"env-dev"}}, Origin: time.Now().Add(-48 * time.Hour),
	})
	cfg := testConfig(srv.URL)
	cfg.Resources = []string{"FUNCTION_COMPUTE"}
	cfg.Delay, cfg.CollectionInterval, cfg.DiscoveryInterval = time.Second, time.Second, time.Second
	cfg.InitialLookback = 3 * time.Hour
	cfg.RequestsPerMinute = 6000
	cfg.Apps = []AppConfig{{AppID: "app-1", EnvironmentTypes: []string{"STAGING"}}}
	sink := &consumertest.MetricsSink{}
	rcv := receiverharness.CreateMetrics(t, NewFactory(), settings, cfg, sink)
	require.NoError(t, rcv.Start(context.Background(), statustest.NewHost()))
	t.Cleanup(func() { _ = rcv.Shutdown(context.Background()) })

	count := func(api string) int {
		n := 0
		for _, r := range sim.Requests() {
			if r.API == api {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return count("environments") >= 3 }, eventually, 10*time.Millisecond)
	assert.Zero(t, count("usage"), "read with no environment to name its usage by")

	sim.AddEnvironment("app-1", "env-stg", "STAGING")
	require.Eventually(t, func() bool { return environmentNames(sink.AllMetrics())["env-stg"] == "env-stg" }, eventually, 10*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	assert.NotContains(t, environmentNames(sink.AllMetrics()), "env-dev", "not of the environment_types")
}
