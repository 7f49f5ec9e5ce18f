package forgemetricsreceiver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
)

const (
	testEmail = "sim@example.com"
	testToken = "sim-token"
)

// simNow is a whole minute, so that windows fall on the simulator's 60-second buckets.
var simNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newSim(t *testing.T, clock *clocktest.Fake, perMinute int) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken,
		Apps:                     map[string][]string{"app-1": {"env-1", "env-2"}, "app-2": {"env-3"}},
		Origin:                   simNow.Add(-24 * time.Hour),
		MetricsRequestsPerMinute: perMinute,
		Now:                      clock.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func testConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.Email, cfg.APIToken = testEmail, configopaque.String(testToken)
	cfg.Apps = []AppConfig{
		{AppID: "ari:cloud:ecosystem::app/app-1", ServiceName: "first-app", Environments: []EnvironmentConfig{{ID: "env-1", Name: "production"}, {ID: "env-2"}}},
		{AppID: "app-2", Environments: []EnvironmentConfig{{ID: "env-3", Name: "staging"}}},
	}
	return cfg
}

// settings names the receiver; a restarted receiver needs the same name to find its checkpoints.
var settings = receivertest.NewNopSettings(metadata.Type)

func ceilingJitter(d time.Duration) time.Duration { return d }

func startReceiver(t *testing.T, cfg *Config, host component.Host, sink *consumertest.MetricsSink, clock *clocktest.Fake) *metricsReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateMetrics(context.Background(), settings, cfg, sink)
	require.NoError(t, err)
	r := rcv.(*metricsReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	holdTime(clock, len(cfg.streams()))
	require.NoError(t, r.Start(context.Background(), host))
	return r
}

// holdTime makes the test one more participant of clock, which never sleeps: time stands still
// until runUntil has set where it stops, however fast the streams start.
func holdTime(clock *clocktest.Fake, streams int) { clock.SetParticipants(streams + 1) }

// runUntil lets the receiver's apps poll until the fake clock reaches until, then shuts it down.
func runUntil(t *testing.T, r *metricsReceiver, clock *clocktest.Fake, until time.Time) {
	t.Helper()
	stopped := make(chan struct{})
	clock.StopAt(until, func() { close(stopped) })
	clock.SetParticipants(len(r.cfg.streams())) // the test lets time go
	<-stopped
	require.NoError(t, r.Shutdown(context.Background()))
}

// pointKeys counts delivered points by the simulator's key: metric|environment|function|time.
func pointKeys(t *testing.T, all []pmetric.Metrics) map[string]int {
	keys := map[string]int{}
	count := func(env string, name string, attrs pcommon.Map, ts pcommon.Timestamp) {
		fn, _ := attrs.Get("functionKey")
		keys[fmt.Sprintf("%s|%s|%s|%d", name, env, fn.Str(), ts)]++
	}
	for _, md := range all {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			env, ok := rm.Resource().Attributes().Get("forge.environment.id")
			require.True(t, ok)
			ms := rm.ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				m := ms.At(j)
				switch m.Type() {
				case pmetric.MetricTypeSum:
					for k := 0; k < m.Sum().DataPoints().Len(); k++ {
						p := m.Sum().DataPoints().At(k)
						count(env.Str(), m.Name(), p.Attributes(), p.Timestamp())
					}
				case pmetric.MetricTypeGauge:
					for k := 0; k < m.Gauge().DataPoints().Len(); k++ {
						p := m.Gauge().DataPoints().At(k)
						count(env.Str(), m.Name(), p.Attributes(), p.Timestamp())
					}
				case pmetric.MetricTypeHistogram:
					for k := 0; k < m.Histogram().DataPoints().Len(); k++ {
						p := m.Histogram().DataPoints().At(k)
						count(env.Str(), m.Name(), p.Attributes(), p.Timestamp())
					}
				default:
					t.Fatalf("unexpected metric type %s", m.Type())
				}
			}
		}
	}
	return keys
}

func expectedKeys(sim *forgesim.Server, cfg *Config, from, until time.Time) map[string]bool {
	want := map[string]bool{}
	for _, app := range cfg.Apps {
		for _, p := range sim.VisiblePoints(app.AppID, environmentIDs(app), cfg.metrics(), from, until) {
			want[p.Key()] = true
		}
	}
	return want
}

// Every simulated point is delivered once, across a clean restart, with the account's budget of
// five calls a minute shared by both apps.
func TestReceiverDeliversEveryPointOnceAcrossARestart(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 5)
	cfg := testConfig(srv.URL)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	first := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, first, clock), clock, simNow.Add(10*time.Minute))
	require.Positive(t, first.DataPointCount())
	second := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, second, clock), clock, clock.Now().Add(15*time.Minute))
	require.Positive(t, second.DataPointCount(), "the restarted receiver delivered new windows")

	// The first window starts at now - initial_lookback; by now the apps have caught up to
	// within delay + collection_interval.
	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	want := expectedKeys(sim, cfg, simNow.Add(-cfg.InitialLookback), caughtUp)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for key := range want {
		require.Equal(t, 1, got[key], "point %s", key)
	}

	var calls []time.Time
	for _, r := range sim.Requests() {
		if r.API == "metrics" {
			require.Equal(t, http.StatusOK, r.Status, "%+v", r)
			require.LessOrEqual(t, r.End.Sub(r.Start), 15*time.Minute)
			calls = append(calls, r.Time)
		}
	}
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), 5, "five calls a minute for the account, both apps together")
}

func TestReceiverRegroupsPointsPerEnvironment(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT"}
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), sink, clock), clock, simNow.Add(time.Minute))

	resources := map[string]map[string]any{}
	for _, md := range sink.AllMetrics() {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			env, _ := rm.Resource().Attributes().Get("forge.environment.id")
			resources[env.Str()] = rm.Resource().Attributes().AsRaw()
			sm := rm.ScopeMetrics().At(0)
			assert.Equal(t, "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver", sm.Scope().Name())
			assert.Equal(t, "forge_backend_invocation_count", sm.Metrics().At(0).Name())
		}
	}
	assert.Equal(t, map[string]map[string]any{
		"env-1": {"service.name": "first-app", "forge.app.id": "app-1", "forge.environment.id": "env-1", "deployment.environment.name": "production"},
		"env-2": {"service.name": "first-app", "forge.app.id": "app-1", "forge.environment.id": "env-2"},
		"env-3": {"service.name": "app-2", "forge.app.id": "app-2", "forge.environment.id": "env-3", "deployment.environment.name": "staging"},
	}, resources)
}

// An app listed twice, once by its ARI, is polled as one app: each call asks for the environments
// of both entries, and the points come back under the bare id.
func TestReceiverPollsAnAppListedTwiceAsOne(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	app1, app2 := cfg.Apps[0], cfg.Apps[1]
	cfg.Apps = []AppConfig{
		{AppID: "app-1", ServiceName: "first-app", Environments: app1.Environments[:1]},
		app2,
		{AppID: app1.AppID, ServiceName: "first-app", Environments: app1.Environments[1:]},
	}
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), sink, clock), clock, simNow.Add(time.Minute))

	calls := 0
	for _, r := range sim.Requests() {
		if r.API == "metrics" && r.AppID == "app-1" {
			calls++
			assert.ElementsMatch(t, []string{"env-1", "env-2"}, r.Environments)
		}
	}
	assert.Positive(t, calls)
	envs := map[string]string{}
	for _, md := range sink.AllMetrics() {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			attrs := md.ResourceMetrics().At(i).Resource().Attributes()
			env, _ := attrs.Get("forge.environment.id")
			app, _ := attrs.Get("forge.app.id")
			envs[env.Str()] = app.Str()
		}
	}
	assert.Equal(t, map[string]string{"env-1": "app-1", "env-2": "app-1", "env-3": "app-2"}, envs)
}

// A refused token is reported and retried slowly; once fixed, the apps read again.
func TestReceiverReportsARefusedTokenAndRecovers(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, _ := newSim(t, clock, 0)
	var refusals atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusals.Load() < 2 {
			refusals.Add(1)
			_, _ = w.Write([]byte(`{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"message":"Unauthorized","identifier":"x","extensions":{"statusCode":401,"errorType":"UNAUTHENTICATED"}}}}}}`))
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[:1]
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

// A 400 that repeats at the 14-day edge (here a metric name the API rejects, with the documented
// maximum initial_lookback) moves the app inside the limit once, then is a refusal: reported,
// logged with its reason and retried slowly, not taken for expiry again and again at the
// budget's full rate.
func TestReceiverTakesA400ThatRepeatsAtTheRetentionEdgeForARefusal(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		_, _ = w.Write([]byte(`{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"message":"Invalid metric FOO_BAR","identifier":"x","extensions":{"statusCode":400,"errorType":"BAD_REQUEST"}}}}}}`))
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[:1]
	cfg.InitialLookback = 14 * 24 * time.Hour
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT", "FOO_BAR"}
	core, logs := observer.New(zap.InfoLevel)
	set := settings
	set.Logger = zap.New(core)
	host := statustest.NewHost()

	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, &consumertest.MetricsSink{})
	require.NoError(t, err)
	r := rcv.(*metricsReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	holdTime(clock, 1)
	require.NoError(t, r.Start(context.Background(), host))
	runUntil(t, r, clock, simNow.Add(5*time.Minute))

	assert.Equal(t, 1, logs.FilterMessageSnippet("14-day edge").Len(), "moved inside the limit once")
	refused := logs.FilterMessageSnippet("API refused the request").All()
	require.NotEmpty(t, refused)
	assert.Contains(t, refused[0].ContextMap()["reason"], "Invalid metric FOO_BAR")
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
	// At 0s the edge, at once the refusal, then retries after 2 and 4 minutes.
	assert.EqualValues(t, 3, requests.Load(), "retried slowly, not at the budget's rate")
}

// The API counts calls per account: two receivers of one collector with the same account draw
// from one budget of five calls a minute.
func TestReceiversWithOneAccountShareItsBudget(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	holdTime(clock, 2)
	var receivers []*metricsReceiver
	for i, app := range testConfig(srv.URL).Apps {
		cfg := testConfig(srv.URL)
		cfg.Apps = []AppConfig{app}
		cfg.InitialLookback = 6 * time.Hour // 24 windows behind each: more than the 10 minutes of budget below
		require.NoError(t, cfg.Validate())
		set := settings
		set.ID = component.MustNewIDWithName(metadata.Type.String(), fmt.Sprint(i))
		rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, &consumertest.MetricsSink{})
		require.NoError(t, err)
		r := rcv.(*metricsReceiver)
		r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
		require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
		receivers = append(receivers, r)
	}
	stopped := make(chan struct{})
	clock.StopAt(simNow.Add(10*time.Minute), func() { close(stopped) })
	clock.SetParticipants(2)
	<-stopped
	for _, r := range receivers {
		require.NoError(t, r.Shutdown(context.Background()))
	}

	var calls []time.Time
	for _, r := range sim.Requests() {
		if r.API == "metrics" {
			calls = append(calls, r.Time)
		}
	}
	require.Greater(t, len(calls), 45, "both apps were behind: the budget was saturated (49 calls at most)")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), 5)
}
