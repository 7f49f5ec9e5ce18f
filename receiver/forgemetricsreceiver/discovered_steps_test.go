package forgemetricsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadatatest"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"
)

// An environment 40 minutes behind the others catches up in calls of its own, the last of which
// ends where the others stand (not a whole 15 minutes later, which the others would then be asked
// for again), and then shares their call, which ends at the window's end, delay before now. No
// span of the app is asked for twice.
func TestReceiverAsksAnEnvironmentBehindUpToWhereTheNextStands(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	// At 12:00 with delay 5m, the app's window is [11:45, 11:55); env-2 stands at 11:05.
	at := func(hour, minute int) time.Time { return time.Date(2026, 11, 24, hour, minute, 0, 0, time.UTC) }
	store, client, err := checkpoint.Open(context.Background(), host, &storageID, settings.ID, zap.NewNop())
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, store.Save(ctx, "metrics/app-1", checkpoint.State{WindowStart: at(11, 45), QueryHash: discoveredQueryHash}))
	require.NoError(t, store.Save(ctx, "metrics/app-1/env/env-1", checkpoint.State{WindowStart: at(11, 45)}))
	require.NoError(t, store.Save(ctx, "metrics/app-1/env/env-2", checkpoint.State{WindowStart: at(11, 5)}))
	require.NoError(t, client.Close(ctx))

	sink := &consumertest.MetricsSink{}
	r := startDiscovering(t, cfg, host, sink, clock)
	clock.RunTo(simNow.Add(10 * time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	var calls []forgesim.Request
	for _, req := range sim.Requests() {
		if req.API == "metrics" {
			require.Equal(t, 200, req.Status, "%+v", req)
			calls = append(calls, req)
		}
	}
	type call struct {
		envs       []string
		start, end time.Time
	}
	want := []call{
		{[]string{"env-2"}, at(11, 5), at(11, 20)},
		{[]string{"env-2"}, at(11, 20), at(11, 35)},
		{[]string{"env-2"}, at(11, 35), at(11, 45)},
		{[]string{"env-1", "env-2"}, at(11, 45), at(11, 55)},
	}
	require.GreaterOrEqual(t, len(calls), len(want))
	for i, w := range want {
		assert.Equal(t, w, call{calls[i].Environments, calls[i].Start.UTC(), calls[i].End.UTC()}, "call %d", i+1)
	}
	for i, a := range calls {
		assert.False(t, a.End.After(a.Time.Add(-cfg.Delay)), "call %d asks past delay before now: %+v", i+1, a)
		for j, b := range calls[:i] {
			assert.False(t, a.Start.Before(b.End) && b.Start.Before(a.End), "calls %d and %d ask for the same span: %+v, %+v", j+1, i+1, b, a)
		}
	}

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	got := pointKeys(t, sink.AllMetrics())
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-1"}, nil, at(11, 45), caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-2"}, nil, at(11, 5), caughtUp) {
		require.Equal(t, 1, got[p.Key()], "point %s", p.Key())
	}
}

// discoveredReaderAt returns the reader of the window [start, start+15m) of app-1, whose one
// discovered environment, env-1, stands at position; tel records the app's self-metrics.
func discoveredReaderAt(t *testing.T, now, start, position time.Time, logger *zap.Logger, tel *componenttest.Telemetry) (*discoveredReader, checkpoint.Store) {
	t.Helper()
	set := metadatatest.NewSettings(tel)
	builder, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	require.NoError(t, err)
	t.Cleanup(builder.Shutdown)
	store := checkpoint.NewMemoryStore()
	cfg := createDefaultConfig().(*Config)
	d := newDiscoveredEnvironments("app-1", cfg.plan(), store, status.New(componenttest.NewNopHost()))
	d.set([]discovery.Environment{{ID: "env-1", Key: "production", Type: "PRODUCTION"}}, now)
	d.positions["env-1"] = position
	s := &stream{
		query:  metricsapi.Query{AppID: "app-1"},
		window: metricsapi.Window{AppID: "app-1"},
		tel:    newAppTelemetry(builder, "app-1"), clock: clocktest.NewFake(now), logger: logger,
		discovered: d,
	}
	return &discoveredReader{stream: s, state: checkpoint.State{WindowStart: start, WindowEnd: start.Add(maxWindow)}}, store
}

// The 14-day rule moves an environment only forward: a target at or before where its call starts
// keeps it there, since moving it back would deliver again what the pipeline accepted.
func TestDiscoveredExpiryNeverMovesAnEnvironmentBackwards(t *testing.T) {
	// Inside the 14 days and their 10-minute margin by the receiver's clock, within the edge where
	// the API's clock may put it past them.
	start := simNow.Add(-14*24*time.Hour + 12*time.Minute)
	r, _ := discoveredReaderAt(t, simNow, start, start, zap.NewNop(), componenttest.NewTelemetry())
	step, err := r.Next(context.Background())
	require.NoError(t, err)
	require.NotNil(t, step.Fetch)
	require.NotNil(t, step.Expired)
	assert.Equal(t, start, step.Start)

	assert.Empty(t, step.Expired(context.Background(), start.Add(-time.Minute)), "a target before the call's start")
	assert.Empty(t, step.Expired(context.Background(), start), "a target at the call's start")
	assert.Equal(t, start, r.discovered.positions["env-1"])

	target := start.Add(maxWindow)
	assert.Equal(t, []window.Entry{{Key: "metrics/app-1/env/env-1", State: checkpoint.State{WindowStart: target}}},
		step.Expired(context.Background(), target))
	assert.Equal(t, target, r.discovered.positions["env-1"])
}

// An environment whose position the API no longer serves is moved to the oldest start it does,
// saved before anything is asked for, logged as a warning and counted as a skipped span.
func TestDiscoveredEnvironmentOlderThanTheLimitMovesToItBeforeAsking(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	// 12:00 on 2026-11-24 less 14 days, plus the 10-minute margin: 12:10 on 2026-11-10.
	oldest := time.Date(2026, 11, 10, 12, 10, 0, 0, time.UTC)
	position := oldest.Add(-2 * time.Hour)
	r, _ := discoveredReaderAt(t, simNow, simNow.Add(-time.Hour), position, zap.New(core), tel)

	step, err := r.Next(context.Background())
	require.NoError(t, err)
	assert.Nil(t, step.Fetch, "nothing is asked before the move is saved")
	assert.Equal(t, []window.Entry{{Key: "metrics/app-1/env/env-1", State: checkpoint.State{WindowStart: oldest}}}, step.Save)
	assert.Equal(t, oldest, r.discovered.positions["env-1"])

	warnings := logs.FilterMessageSnippet("Skipping data older than the API's 14-day limit").All()
	require.Len(t, warnings, 1)
	assert.Equal(t, zap.WarnLevel, warnings[0].Level)
	assert.Equal(t, "env-1", warnings[0].ContextMap()["environment_id"])
	metadatatest.AssertEqualForgemetricsSkippedSpan(t, tel, []metricdata.DataPoint[float64]{
		{Attributes: attribute.NewSet(attribute.String("app_id", "app-1")), Value: (2 * time.Hour).Seconds()},
	}, metricdatatest.IgnoreTimestamp())

	// Then the environment is asked from there.
	step, err = r.Next(context.Background())
	require.NoError(t, err)
	require.NotNil(t, step.Fetch)
	assert.Equal(t, oldest, step.Start)
}
