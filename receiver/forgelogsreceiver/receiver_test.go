package forgelogsreceiver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
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

func newSimServer(t *testing.T, rpm int) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken,
		Apps:              map[string][]string{"app-1": {"env-1", "env-2"}, "app-2": {"env-3"}},
		Origin:            time.Now().Add(-2 * time.Hour),
		RecordsPerSecond:  0.5,
		PageSize:          100,
		Sites:             manySites()[:6],
		RequestsPerMinute: rpm,
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

func startReceiver(t *testing.T, cfg *Config, host component.Host, sink *consumertest.LogsSink) *forgeReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateLogs(context.Background(), settings, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), host))
	return rcv.(*forgeReceiver)
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
	sim, srv := newSimServer(t, 6000)
	cfg := testConfig(srv.URL, 6000)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID
	sink := &consumertest.LogsSink{}
	started := time.Now()
	rcv := startReceiver(t, cfg, host, sink)

	// Everything up to a little before start is delivered within a few polls.
	until := started.Add(-10 * time.Second)
	want := map[string]bool{}
	for _, app := range cfg.Apps {
		for _, env := range app.Environments {
			for id := range expected(sim, app, env.ID, started.Add(-cfg.InitialLookback), until) {
				want[id] = true
			}
		}
	}
	require.Eventually(t, func() bool {
		got := invocationIDs(sink.AllLogs())
		for id := range want {
			if got[id] == 0 {
				return false
			}
		}
		return true
	}, 20*time.Second, 100*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	got := invocationIDs(sink.AllLogs())
	for id, n := range got {
		require.Equal(t, 1, n, id)
	}
	// Only what the filters select: levels for app-1, sites and message for app-2.
	for _, logs := range sink.AllLogs() {
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

	// A restart with the same storage delivers nothing twice.
	second := &consumertest.LogsSink{}
	rcv = startReceiver(t, cfg, host, second)
	time.Sleep(2 * time.Second)
	require.NoError(t, rcv.Shutdown(context.Background()))
	for id := range invocationIDs(second.AllLogs()) {
		assert.Zero(t, got[id], "record %s delivered again after restart", id)
	}

}

func TestReceiverStreamsOfOneAppShareItsBudget(t *testing.T) {
	sim, srv := newSimServer(t, 0)
	cfg := testConfig(srv.URL, 60)
	cfg.Apps = cfg.Apps[:1]
	cfg.Apps[0].Environments = append(cfg.Apps[0].Environments, EnvironmentConfig{ID: "env-3"})
	rcv := startReceiver(t, cfg, componenttest.NewNopHost(), &consumertest.LogsSink{})
	time.Sleep(3500 * time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	requests := sim.Requests()
	require.GreaterOrEqual(t, len(requests), 3)
	require.LessOrEqual(t, len(requests), 5, "one request a second for the whole app")
	for i := 1; i < len(requests); i++ {
		assert.GreaterOrEqual(t, requests[i].Time.Sub(requests[i-1].Time), 950*time.Millisecond)
	}
	envs := map[string]bool{}
	for _, r := range requests[:3] {
		envs[r.EnvironmentID] = true
	}
	assert.Len(t, envs, 3, "the app's streams take turns")
}

func TestReceiverShutsDownPromptlyDuringARequest(t *testing.T) {
	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stall }))
	defer srv.Close()
	defer close(stall)
	cfg := testConfig(srv.URL, 30)
	rcv := startReceiver(t, cfg, componenttest.NewNopHost(), &consumertest.LogsSink{})
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	require.NoError(t, rcv.Shutdown(context.Background()))
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestReceiverRefusesAMissingStorageExtension(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", 30)
	missing := component.MustNewIDWithName("file_storage", "absent")
	cfg.StorageID = &missing
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, &consumertest.LogsSink{})
	require.NoError(t, err)
	err = rcv.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, `storage: extension "file_storage/absent" not found`)
	require.NoError(t, rcv.Shutdown(context.Background()))
}

func TestReceiverWarnsWithoutStorage(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	rcv, err := NewFactory().CreateLogs(context.Background(), set, testConfig("http://127.0.0.1:1", 30), &consumertest.LogsSink{})
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, rcv.Shutdown(context.Background()))
	warnings := logs.FilterMessageSnippet("restart reads again from initial_lookback")
	assert.Equal(t, 1, warnings.Len(), "one warning says progress is lost on restart")
}
