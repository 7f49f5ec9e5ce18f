package forgelogsreceiver

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// sites has more installation contexts than one request may carry, so app-2 splits into shards.
func manySites() []string {
	sites := make([]string, 60)
	for i := range sites {
		sites[i] = fmt.Sprintf("ari:cloud:jira::site/%04d", i)
	}
	return sites
}

// simNow is the fake time at which receiver tests start: a whole second, as in the stream tests.
var simNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newSimServer(t *testing.T, clock *clocktest.Fake, rpm int) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken,
		Apps:              map[string][]string{"app-1": {"env-1", "env-2", "env-4"}, "app-2": {"env-3"}},
		Origin:            simNow.Add(-2 * time.Hour),
		RecordsPerSecond:  0.5,
		PageSize:          100,
		Sites:             manySites()[:6],
		RequestsPerMinute: rpm,
		Now:               clock.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func testConfig(endpoint string, rpm int) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.Email = testEmail
	cfg.APIToken = configopaque.String(testToken)
	cfg.PollInterval = time.Second
	cfg.Delay = time.Second
	cfg.InitialLookback = 30 * time.Minute
	cfg.RequestsPerMinute = rpm
	cfg.Apps = []AppConfig{
		{AppID: "app-1", Environments: []EnvironmentConfig{{ID: "env-1", Name: "production"}, {ID: "env-2"}}, Levels: []string{"ERROR", "FATAL"}},
		{AppID: "app-2", ServiceName: "second-app", Environments: []EnvironmentConfig{{ID: "env-3"}}, InstallationContexts: manySites(), Message: "issuePanel"},
	}
	return cfg
}

// settings names the receiver; a restarted receiver needs the same name to find its checkpoints.
var settings = receivertest.NewNopSettings(metadata.Type)

// startReceiver starts a receiver on clock, which moves once every stream sleeps.
func startReceiver(t *testing.T, cfg *Config, host component.Host, sink consumer.Logs, clock *clocktest.Fake) *forgeReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateLogs(context.Background(), settings, cfg, sink)
	require.NoError(t, err)
	r := rcv.(*forgeReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	holdTime(clock, len(streamSpecs(cfg)))
	require.NoError(t, r.Start(context.Background(), host))
	return r
}

// holdTime makes the test one more participant of clock, which never sleeps: time stands still
// until runUntil has set where it stops, however fast the streams start.
func holdTime(clock *clocktest.Fake, streams int) { clock.SetParticipants(streams + 1) }

// runUntil lets the receiver's streams poll until the fake clock reaches until, then shuts it down.
func runUntil(t *testing.T, r *forgeReceiver, clock *clocktest.Fake, until time.Time) {
	t.Helper()
	stopped := make(chan struct{})
	clock.StopAt(until, func() { close(stopped) })
	clock.SetParticipants(len(streamSpecs(r.cfg))) // the test lets time go
	<-stopped
	require.NoError(t, r.Shutdown(context.Background()))
}

// expected lists what the receiver must deliver for an app's environment between from and until.
func expected(sim *forgesim.Server, app AppConfig, env string, from, until time.Time) map[string]bool {
	ids := map[string]bool{}
	for _, r := range sim.Visible(app.AppID, env, from, until) {
		if len(app.Levels) > 0 && !slices.Contains(app.Levels, forgesim.Levels[r.Level]) {
			continue
		}
		if len(app.InstallationContexts) > 0 && !slices.Contains(app.InstallationContexts, r.Site) {
			continue
		}
		if app.Message != "" && !strings.Contains(r.Message, app.Message) {
			continue
		}
		ids[forgesim.InvocationID(env, r.Index)] = true
	}
	return ids
}

func TestReceiverPollsEveryStreamWithFiltersAndShards(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSimServer(t, clock, 6000)
	cfg := testConfig(srv.URL, 6000)
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID
	first := &consumertest.LogsSink{}
	runUntil(t, startReceiver(t, cfg, host, first, clock), clock, simNow.Add(3*time.Minute))

	// Caught up: everything to one delay and one poll interval before now, exactly once.
	want := map[string]bool{}
	wantUntil := func(until time.Time) {
		for _, app := range cfg.Apps {
			for _, env := range app.Environments {
				for id := range expected(sim, app, env.ID, simNow.Add(-cfg.InitialLookback), until) {
					want[id] = true
				}
			}
		}
	}
	wantUntil(clock.Now().Add(-cfg.Delay - cfg.PollInterval))
	got := invocationIDs(first.AllLogs())
	for id := range want {
		require.Equal(t, 1, got[id], "record %s", id)
	}
	// Only what the filters select: levels for app-1, sites and message for app-2.
	for _, logs := range first.AllLogs() {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			rl := logs.ResourceLogs().At(i)
			app, _ := rl.Resource().Attributes().Get("forge.app.id")
			lrs := rl.ScopeLogs().At(0).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				if app.Str() == "app-1" {
					assert.GreaterOrEqual(t, int(lr.SeverityNumber()), 17)
				} else {
					site, _ := lr.Attributes().Get("installationContext")
					assert.Contains(t, cfg.Apps[1].InstallationContexts, site.Str())
					assert.Contains(t, lr.Body().AsString(), "issuePanel")
				}
			}
		}
	}
	// app-2's 60 sites were asked for in two shards; the simulator refuses more than 50 per request.
	shards := map[bool]int{}
	for _, r := range sim.Requests() {
		require.Equal(t, 200, r.Status)
		if r.AppID == "app-2" {
			shards[r.Cursor]++
		}
	}
	assert.GreaterOrEqual(t, shards[false], 2)

	// A restart with the same storage goes on where the first run stopped: everything once.
	second := &consumertest.LogsSink{}
	runUntil(t, startReceiver(t, cfg, host, second, clock), clock, clock.Now().Add(3*time.Minute))
	require.Positive(t, second.LogRecordCount(), "the restarted receiver delivered the new records")
	wantUntil(clock.Now().Add(-cfg.Delay - cfg.PollInterval))
	all := invocationIDs(append(first.AllLogs(), second.AllLogs()...))
	receiverharness.RequireNoneTwice(t, all)
	receiverharness.RequireEachOnce(t, all, slices.Collect(maps.Keys(want)))
}

func TestReceiverStreamsOfOneAppShareItsBudget(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSimServer(t, clock, 60)
	cfg := testConfig(srv.URL, 60)
	cfg.Apps = cfg.Apps[:1]
	cfg.Apps[0].Levels = nil
	cfg.Apps[0].Environments = append(cfg.Apps[0].Environments, EnvironmentConfig{ID: "env-4"})
	cfg.InitialLookback = 2 * time.Hour
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), &consumertest.LogsSink{}, clock), clock, simNow.Add(5*time.Minute))

	requests := sim.Requests()
	var times []time.Time
	perEnv := map[string]int{}
	for _, r := range requests {
		require.Equal(t, 200, r.Status, "the simulator never had to refuse: %+v", r)
		times = append(times, r.Time)
		perEnv[r.EnvironmentID]++
	}
	require.Greater(t, len(requests), 200, "the backlog kept the budget busy")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(times), 60, "one budget for the whole app")
	// All three streams have the same backlog: taking turns, each gets a third of the requests.
	require.Len(t, perEnv, 3)
	for env, n := range perEnv {
		assert.InDelta(t, len(requests)/3, n, 3, "environment %s", env)
	}
}

// The API counts requests per app: two receivers of one collector that poll environments of the
// same app draw from one budget.
func TestReceiversPollingOneAppShareItsBudget(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSimServer(t, clock.Fake, 60)
	var receivers []*forgeReceiver
	for i, env := range []string{"env-1", "env-4"} {
		cfg := testConfig(srv.URL, 60)
		cfg.Apps = cfg.Apps[:1]
		cfg.Apps[0].Levels = nil
		cfg.Apps[0].Environments = []EnvironmentConfig{{ID: env}}
		cfg.InitialLookback = 2 * time.Hour
		set := receiverharness.Settings(metadata.Type, fmt.Sprint(i))
		r := receiverharness.CreateLogs(t, NewFactory(), set, cfg, &consumertest.LogsSink{}).(*forgeReceiver)
		r.rt.Clock, r.rt.Jitter = clock.Fake, receiverharness.CeilingJitter
		clock.Start(r, 1, componenttest.NewNopHost())
		receivers = append(receivers, r)
	}
	clock.RunTo(simNow.Add(5 * time.Minute))
	for _, r := range receivers {
		clock.Stop(r)
	}

	for _, r := range sim.Requests() {
		require.Equal(t, 200, r.Status, "the simulator never had to refuse: %+v", r)
	}
	// The backlog kept the budget busy, and one budget for the app held it.
	receiverharness.RequireSaturatedBudget(t, receiverharness.RequestTimes(sim, ""), 150, 60)
}

func TestReceiverShutsDownPromptlyDuringARequest(t *testing.T) {
	arrived := make(chan struct{}, 10)
	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		arrived <- struct{}{}
		<-stall
	}))
	defer srv.Close()
	defer close(stall)
	clock := clocktest.NewFake(simNow)
	cfg := testConfig(srv.URL, 30)
	rcv := startReceiver(t, cfg, componenttest.NewNopHost(), &consumertest.LogsSink{}, clock)
	clock.SetParticipants(len(streamSpecs(cfg))) // time goes to the stream's first turn, a spacing after start
	<-arrived
	done := make(chan error)
	go func() { done <- rcv.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not cancel the request in flight")
	}
}

func TestReceiverRefusesAMissingStorageExtension(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", 30)
	missing := component.MustNewIDWithName("file_storage", "absent")
	cfg.StorageID = &missing
	rcv := receiverharness.CreateLogs(t, NewFactory(), settings, cfg, &consumertest.LogsSink{})
	err := rcv.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, `storage: extension "file_storage/absent" not found`)
	require.NoError(t, rcv.Shutdown(context.Background()))
}

func TestReceiverWarnsWithoutStorage(t *testing.T) {
	obs := receiverharness.Observe(t, settings, zap.WarnLevel)
	rcv := receiverharness.CreateLogs(t, NewFactory(), obs.Settings, testConfig("http://127.0.0.1:1", 30), &consumertest.LogsSink{})
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, rcv.Shutdown(context.Background()))
	warnings := obs.Logs.FilterMessageSnippet("restart reads again from initial_lookback")
	assert.Equal(t, 1, warnings.Len(), "one warning says progress is lost on restart")
}
