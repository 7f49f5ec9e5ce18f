package forgemetricsreceiver

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
)

// simNow is a whole minute, so that windows fall on the simulator's 60-second buckets.
var simNow = receiverharness.Now

// settings names the receiver; a restarted receiver needs the same name to find its checkpoints.
var settings = receiverharness.Settings(metadata.Type, "")

// newSim serves the points of app-1 (env-1, env-2) and app-2 (env-3) from a day back, checking a
// budget of perMinute calls (none when 0).
func newSim(t *testing.T, clock *receiverharness.FakeTime, perMinute int) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	return receiverharness.Sim(t, forgesim.Config{
		Apps:                     map[string][]string{"app-1": {"env-1", "env-2"}, "app-2": {"env-3"}},
		Origin:                   simNow.Add(-24 * time.Hour),
		MetricsRequestsPerMinute: perMinute,
		Now:                      clock.Now,
	})
}

// testConfig polls the harness's apps at endpoint with the simulator's account.
func testConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.Email, cfg.APIToken = receiverharness.Email, configopaque.String(receiverharness.Token)
	cfg.Apps = receiverharness.Apps()
	return cfg
}

// oneAppConfig polls app-2 alone (one environment), starting 30 minutes back: two windows behind.
func oneAppConfig(endpoint string) *Config {
	cfg := testConfig(endpoint)
	cfg.Apps = cfg.Apps[1:]
	cfg.InitialLookback = 30 * time.Minute
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT", "FORGE_BACKEND_INVOCATION_LATENCY"}
	return cfg
}

// discoveringConfig polls app-1 by its id alone, listing its environments every 10 minutes.
func discoveringConfig(endpoint string) *Config {
	cfg := testConfig(endpoint)
	cfg.Apps = []AppConfig{{AppID: "app-1", ServiceName: "first-app"}}
	cfg.DiscoveryInterval = 10 * time.Minute
	return cfg
}

// receivers makes and starts the receivers of these tests, on the fake clock: one stream per app of a configuration that lists its environments.
var receivers = receiverharness.MetricsReceiver[*Config, *metricsReceiver]{
	Factory:  NewFactory(),
	Settings: settings,
	OnClock: func(r *metricsReceiver, clock *clocktest.Fake) {
		r.rt.Clock, r.rt.Jitter = clock, receiverharness.CeilingJitter
	},
	Sleepers: func(cfg *Config) int { return len(cfg.streams()) },
}

// startDiscovering starts a receiver whose apps all discover their environments: each has a
// watcher and, once its environments are known, one stream; both sleep on clock.
func startDiscovering(t *testing.T, cfg *Config, host component.Host, next consumer.Metrics, clock *receiverharness.FakeTime) *metricsReceiver {
	t.Helper()
	r := receivers.Create(t, cfg, settings, next, clock)
	clock.Start(r, 2*len(cfg.Apps), host)
	return r
}

// caughtUp is where every app of cfg has read up to by now: within delay + collection_interval.
func caughtUpTo(clock *receiverharness.FakeTime, cfg *Config) time.Time {
	return clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
}

// pointKeys counts delivered points by the simulator's key: metric|environment|function|time.
func pointKeys(t *testing.T, all []pmetric.Metrics) map[string]int {
	t.Helper()
	keys := map[string]int{}
	for _, p := range receiverharness.Points(t, all) {
		fn, _ := p.Attributes.Get("functionKey")
		keys[fmt.Sprintf("%s|%s|%s|%d", p.Metric.Name(), p.Environment, fn.Str(), p.Time)]++
	}
	return keys
}

// visibleKeys are the keys of the points the simulator serves for app's envs in (from, until];
// every documented metric when metrics is nil.
func visibleKeys(sim *forgesim.Server, app string, envs, metrics []string, from, until time.Time) []string {
	var keys []string
	for _, p := range sim.VisiblePoints(app, envs, metrics, from, until) {
		keys = append(keys, p.Key())
	}
	return keys
}

// expectedKeys are the keys of the points the simulator serves for cfg's apps in (from, until].
func expectedKeys(sim *forgesim.Server, cfg *Config, from, until time.Time) []string {
	var keys []string
	for _, app := range cfg.Apps {
		keys = append(keys, visibleKeys(sim, app.AppID, environmentIDs(app), cfg.metrics(), from, until)...)
	}
	return keys
}

// committed returns the checkpoint r keeps under key.
func committed(t *testing.T, r *metricsReceiver, key string) checkpoint.State {
	t.Helper()
	state, found, err := r.rt.Store.Load(t.Context(), key)
	require.NoError(t, err)
	require.True(t, found, key)
	return state
}

// storedProgress returns a storage host and points cfg's storage at it, so that positions are
// kept as in production.
func storedProgress(t *testing.T, cfg *Config) component.Host {
	t.Helper()
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID
	return host
}
