package forgeusagereceiver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

const (
	testEmail = "sim@example.com"
	testToken = "sim-token"
)

// simNow is a whole hour, so that the first windows start on one.
var simNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newSim(t *testing.T, clock *clocktest.Fake, perMinute int) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken,
		// env-x is an environment of app-1 that the configuration does not poll.
		Apps:                   map[string][]string{"app-1": {"env-1", "env-2", "env-x"}, "app-2": {"env-3"}},
		Origin:                 simNow.Add(-7 * 24 * time.Hour),
		UsageRequestsPerMinute: perMinute,
		Now:                    clock.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func testConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.Email, cfg.APIToken = testEmail, configopaque.String(testToken)
	cfg.Resources = []string{"FUNCTION_COMPUTE", "KVS_READ"}
	cfg.Delay = time.Hour
	cfg.InitialLookback = 6 * time.Hour
	cfg.Apps = []AppConfig{
		{AppID: "ari:cloud:ecosystem::app/app-1", ServiceName: "first-app", Environments: []EnvironmentConfig{{ID: "env-1", Name: "production"}, {ID: "env-2"}}},
		{AppID: "app-2", Environments: []EnvironmentConfig{{ID: "env-3", Name: "staging"}}},
	}
	return cfg
}

// settings names the receiver; a restarted receiver needs the same name to find its checkpoints.
var settings = receivertest.NewNopSettings(metadata.Type)

func ceilingJitter(d time.Duration) time.Duration { return d }

// streamCount is how many streams cfg runs, each a participant of the fake clock.
func streamCount(cfg *Config) int {
	n := 0
	for _, app := range cfg.apps() {
		n += len((&usageReceiver{cfg: cfg}).streams(app))
	}
	return n
}

func newTestReceiver(t *testing.T, cfg *Config, set receiver.Settings, sink consumer.Metrics, clock *clocktest.Fake) *usageReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	r := rcv.(*usageReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	return r
}

func startReceiver(t *testing.T, cfg *Config, host component.Host, sink *consumertest.MetricsSink, clock *clocktest.Fake) *usageReceiver {
	t.Helper()
	r := newTestReceiver(t, cfg, settings, sink, clock)
	// The test is one more participant, which never sleeps: time stands still until runUntil
	// has set where it stops, however fast the streams start.
	clock.SetParticipants(streamCount(cfg) + 1)
	require.NoError(t, r.Start(context.Background(), host))
	return r
}

// runUntil lets the receiver's streams poll until the fake clock reaches until, then shuts it down.
func runUntil(t *testing.T, r *usageReceiver, clock *clocktest.Fake, until time.Time) {
	t.Helper()
	stopped := make(chan struct{})
	clock.StopAt(until, func() { close(stopped) })
	clock.SetParticipants(streamCount(r.cfg))
	<-stopped
	require.NoError(t, r.Shutdown(context.Background()))
}

// usageKeys maps each delivered point, by the simulator's key resource|environment|site|start,
// to its values (one per delivery).
func usageKeys(t *testing.T, all []pmetric.Metrics) map[string][]float64 {
	t.Helper()
	keys := map[string][]float64{}
	for _, md := range all {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			env, ok := rm.Resource().Attributes().Get("forge.environment.id")
			require.True(t, ok)
			ms := rm.ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				m := ms.At(j)
				resource := strings.ToUpper(strings.TrimPrefix(m.Name(), usageapi.MetricPrefix))
				require.Equal(t, pmetric.MetricTypeSum, m.Type())
				for k := 0; k < m.Sum().DataPoints().Len(); k++ {
					p := m.Sum().DataPoints().At(k)
					site, _ := p.Attributes().Get(usageapi.SiteAttribute)
					require.Equal(t, time.Hour, p.Timestamp().AsTime().Sub(p.StartTimestamp().AsTime()), "an hour's period")
					key := fmt.Sprintf("%s|%s|%s|%d", resource, env.Str(), site.Str(), p.StartTimestamp())
					keys[key] = append(keys[key], p.DoubleValue())
				}
			}
		}
	}
	return keys
}

// expectedUsage is what the simulator serves for cfg's polled environments over [from, until).
func expectedUsage(sim *forgesim.Server, cfg *Config, from, until time.Time) map[string]float64 {
	want := map[string]float64{}
	for _, app := range cfg.apps() {
		polled := map[string]bool{}
		for _, env := range app.Environments {
			polled[env.ID] = true
		}
		for _, resource := range cfg.resources() {
			var points []forgesim.UsagePoint
			if cfg.GroupBy == usageapi.GroupBySite {
				for _, env := range app.Environments {
					points = append(points, sim.VisibleUsage(app.AppID, resource, cfg.GroupBy, env.ID, from, until)...)
				}
			} else {
				points = sim.VisibleUsage(app.AppID, resource, cfg.GroupBy, "", from, until)
			}
			for _, p := range points {
				if polled[p.EnvironmentID] {
					v, _ := strconv.ParseFloat(p.Amount(), 64)
					want[p.Key()] = v
				}
			}
		}
	}
	return want
}

func requireExactlyOnce(t *testing.T, want map[string]float64, got map[string][]float64) {
	t.Helper()
	for key, values := range got {
		require.Len(t, values, 1, "period %s delivered %d times", key, len(values))
	}
	require.NotEmpty(t, want)
	for key, v := range want {
		require.Equal(t, []float64{v}, got[key], "period %s", key)
	}
	assert.Len(t, got, len(want), "nothing more than the simulator serves")
}

// Every simulated period is delivered once, with its amount, across a clean restart, with the
// account's budget of five requests a minute shared by every stream.
func TestReceiverDeliversEveryPeriodOnceAcrossARestart(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 5)
	cfg := testConfig(srv.URL)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	// 4 streams x 5 windows behind: 20 requests, 4 minutes of budget; stopped half way.
	first := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, first, clock), clock, simNow.Add(2*time.Minute))
	require.Positive(t, first.DataPointCount())
	second := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, second, clock), clock, clock.Now().Add(3*time.Hour))
	require.Positive(t, second.DataPointCount(), "the restarted receiver delivered the rest")

	// By now every window that ended delay + collection_interval ago has been read.
	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Hour)
	want := expectedUsage(sim, cfg, simNow.Add(-cfg.InitialLookback), caughtUp)
	requireExactlyOnce(t, want, usageKeys(t, append(first.AllMetrics(), second.AllMetrics()...)))

	var calls []time.Time
	for _, r := range sim.Requests() {
		require.Equal(t, "usage", r.API)
		require.Equal(t, http.StatusOK, r.Status, "%+v", r)
		require.Equal(t, time.Hour, r.End.Sub(r.Start), "one window of an hour per call")
		require.Zero(t, r.Start.Sub(r.Start.Truncate(time.Hour)), "on the hour")
		require.False(t, r.End.After(r.Time.Add(-cfg.Delay)), "read only once delay past its end")
		calls = append(calls, r.Time)
	}
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), 5, "five requests a minute for the account, all streams together")
	assert.Len(t, calls, 4*(int(caughtUp.Sub(simNow.Add(-cfg.InitialLookback))/time.Hour)), "each window read once")
}

func TestReceiverMapsResourcesPerEnvironment(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Resources = []string{"FUNCTION_COMPUTE"}
	cfg.InitialLookback = 2 * time.Hour
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), sink, clock), clock, simNow.Add(time.Minute))

	resources := map[string]map[string]any{}
	for _, md := range sink.AllMetrics() {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			env, _ := rm.Resource().Attributes().Get("forge.environment.id")
			resources[env.Str()] = rm.Resource().Attributes().AsRaw()
			sm := rm.ScopeMetrics().At(0)
			assert.Equal(t, metadata.ScopeName, sm.Scope().Name())
			m := sm.Metrics().At(0)
			assert.Equal(t, "forgeusage_function_compute", m.Name())
			assert.Equal(t, "GB-seconds", m.Unit())
			assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
			assert.True(t, m.Sum().IsMonotonic())
		}
	}
	assert.Equal(t, map[string]map[string]any{
		"env-1": {"service.name": "first-app", "forge.app.id": "app-1", "forge.environment.id": "env-1", "deployment.environment.name": "production"},
		"env-2": {"service.name": "first-app", "forge.app.id": "app-1", "forge.environment.id": "env-2"},
		"env-3": {"service.name": "app-2", "forge.app.id": "app-2", "forge.environment.id": "env-3", "deployment.environment.name": "staging"},
	}, resources, "env-x, not polled, is dropped")
}

// Grouped by site: one stream per environment, each point with its environment and its site.
func TestReceiverGroupedBySite(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.GroupBy = usageapi.GroupBySite
	cfg.Resources = []string{"SQL_REQUESTS"}
	cfg.Window = 24 * time.Hour
	cfg.InitialLookback = 48 * time.Hour
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), sink, clock), clock, simNow.Add(10*time.Minute))

	want := expectedUsage(sim, cfg, simNow.Add(-48*time.Hour).Truncate(24*time.Hour), simNow.Add(-cfg.Delay).Truncate(24*time.Hour))
	got := usageKeys(t, sink.AllMetrics())
	requireExactlyOnce(t, want, got)
	for key := range got {
		assert.Contains(t, key, "|ari:cloud:", "every point has its site")
	}
	envs := map[string]int{}
	for _, r := range sim.Requests() {
		assert.Equal(t, "CONTEXT_ARI", r.GroupBy)
		envs[r.EnvironmentID]++
		assert.Equal(t, 24*time.Hour, r.End.Sub(r.Start))
	}
	// 3 sites x 24 hours = 72 entries a day: one page of 100 per (environment, day).
	assert.Equal(t, map[string]int{"env-1": 2, "env-2": 2, "env-3": 2}, envs)
}

// A window whose answer spans several pages is read to its end, and a restart in the middle of
// it resumes at the next page: every period once.
func TestReceiverFollowsPagesAndResumesInsideAWindow(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken, Apps: map[string][]string{"app-1": {"env-1"}},
		Origin: simNow.Add(-7 * 24 * time.Hour), UsagePageSize: 10, Now: clock.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.GroupBy = usageapi.GroupBySite
	cfg.Resources = []string{"LLM_INPUT"}
	cfg.Window = 24 * time.Hour
	cfg.InitialLookback = 24 * time.Hour
	cfg.RequestsPerMinute = 2
	cfg.Apps = []AppConfig{{AppID: "app-1", Environments: []EnvironmentConfig{{ID: "env-1"}}}}
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	// 72 entries in pages of 10: 8 pages, at 2 a minute; stopped after a few.
	first := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, first, clock), clock, simNow.Add(90*time.Second))
	require.Positive(t, first.DataPointCount())
	require.Less(t, first.DataPointCount(), 72, "stopped inside the window")
	require.Zero(t, first.DataPointCount()%10, "whole pages")
	second := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, second, clock), clock, clock.Now().Add(5*time.Minute))

	day := simNow.Truncate(24 * time.Hour)
	want := expectedUsage(sim, cfg, day.Add(-24*time.Hour), day)
	require.Len(t, want, 72)
	requireExactlyOnce(t, want, usageKeys(t, append(first.AllMetrics(), second.AllMetrics()...)))
	var pages []int
	for _, r := range sim.Requests() {
		pages = append(pages, r.Page)
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, pages, "each page read once, to the last short one")
}

// A refused token is reported and retried slowly; once fixed, the streams read again.
func TestReceiverReportsARefusedTokenAndRecovers(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, _ := newSim(t, clock, 0)
	var refusals atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusals.Load() < 2 {
			refusals.Add(1)
			_, _ = w.Write([]byte(`{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"resourceUsage":null,"pagination":null,"error":{"message":"Unauthorized","identifier":"x","extensions":{"statusCode":401,"errorType":"UNAUTHENTICATED"}}}}}}}`))
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[:1]
	cfg.Resources = []string{"KVS_WRITE"}
	host := statustest.NewHost()
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, sink, clock), clock, simNow.Add(10*time.Minute))

	assert.Equal(t, int64(2), refusals.Load())
	assert.Positive(t, sink.DataPointCount())
	statuses := host.Statuses()
	require.NotEmpty(t, statuses)
	assert.Equal(t, componentstatus.StatusRecoverableError, statuses[0])
	assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1])
}

// The limit is the account's: two receivers with the same account draw from one budget of five
// requests a minute, and a metrics receiver's budget is another.
func TestReceiversWithOneAccountShareItsBudget(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	var receivers []*usageReceiver
	participants := 0
	for i, app := range testConfig(srv.URL).Apps {
		cfg := testConfig(srv.URL)
		cfg.Apps = []AppConfig{app}
		cfg.InitialLookback = 14 * 24 * time.Hour // hundreds of windows behind: more than the budget below
		set := settings
		set.ID = component.MustNewIDWithName(metadata.Type.String(), fmt.Sprint(i))
		receivers = append(receivers, newTestReceiver(t, cfg, set, &consumertest.MetricsSink{}, clock))
		participants += streamCount(cfg)
	}
	clock.SetParticipants(participants + 1)
	for _, r := range receivers {
		require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	}
	stopped := make(chan struct{})
	clock.StopAt(simNow.Add(10*time.Minute), func() { close(stopped) })
	clock.SetParticipants(participants)
	<-stopped
	for _, r := range receivers {
		require.NoError(t, r.Shutdown(context.Background()))
	}

	var calls []time.Time
	for _, r := range sim.Requests() {
		calls = append(calls, r.Time)
	}
	require.Greater(t, len(calls), 45, "all streams were behind: the budget was saturated (49 calls at most)")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), 5)
	assert.NotEqual(t, budgetKey(srv.URL, testEmail), "forgemetrics "+srv.URL+" "+testEmail, "not the metrics API's budget")
}
