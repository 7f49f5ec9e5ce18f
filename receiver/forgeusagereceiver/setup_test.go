package forgeusagereceiver

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// simNow is a whole hour, so that the first windows start on one.
var simNow = receiverharness.Now

// settings names the receiver; a restarted receiver needs the same name to find its checkpoints.
var settings = receiverharness.Settings(metadata.Type, "")

// newSim serves a week of usage of app-1 (env-1, env-2, and env-x, which the configuration does
// not poll) and app-2 (env-3), checking a budget of perMinute requests (none when 0).
func newSim(t *testing.T, clock *receiverharness.FakeTime, perMinute int) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	return receiverharness.Sim(t, forgesim.Config{
		Apps:                   map[string][]string{"app-1": {"env-1", "env-2", "env-x"}, "app-2": {"env-3"}},
		Origin:                 simNow.Add(-7 * 24 * time.Hour),
		UsageRequestsPerMinute: perMinute,
		Now:                    clock.Now,
	})
}

// testConfig reads two resources of the harness's apps at endpoint with the simulator's account,
// six hours back, each window an hour after its end.
func testConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.Email, cfg.APIToken = receiverharness.Email, configopaque.String(receiverharness.Token)
	cfg.Resources = []string{"FUNCTION_COMPUTE", "KVS_READ"}
	cfg.Delay = time.Hour
	cfg.InitialLookback = 6 * time.Hour
	cfg.Apps = receiverharness.Apps()
	return cfg
}

// streamCount is how many streams cfg runs, each a participant of the fake clock.
func streamCount(cfg *Config) int {
	n := 0
	for _, app := range cfg.apps() {
		n += len((&usageReceiver{cfg: cfg}).streams(app))
	}
	return n
}

// receivers makes and starts the receivers of these tests, on the fake clock: one stream per resource, and per environment when grouped by site.
var receivers = receiverharness.MetricsReceiver[*Config, *usageReceiver]{
	Factory:  NewFactory(),
	Settings: settings,
	OnClock: func(r *usageReceiver, clock *clocktest.Fake) {
		r.rt.Clock, r.rt.Jitter = clock, receiverharness.CeilingJitter
	},
	Sleepers: func(cfg *Config) int { return streamCount(cfg) },
}

// usageKeys maps each delivered point, by the simulator's key resource|environment|site|start,
// to its values (one per delivery).
func usageKeys(t *testing.T, all []pmetric.Metrics) map[string][]float64 {
	t.Helper()
	keys := map[string][]float64{}
	for _, p := range receiverharness.Points(t, all) {
		require.Equal(t, pmetric.MetricTypeSum, p.Metric.Type())
		require.Equal(t, pmetric.NumberDataPointValueTypeDouble, p.ValueType)
		require.Equal(t, time.Hour, p.Time.AsTime().Sub(p.Start.AsTime()), "an hour's period")
		resource := strings.ToUpper(strings.TrimPrefix(p.Metric.Name(), usageapi.MetricPrefix))
		site, _ := p.Attributes.Get(usageapi.SiteAttribute)
		key := fmt.Sprintf("%s|%s|%s|%d", resource, p.Environment, site.Str(), p.Start)
		keys[key] = append(keys[key], p.Value)
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

// requireExactlyOnce requires every period of want delivered once with its amount, and nothing
// else.
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

// environmentNames maps each delivered forge.environment.id to its deployment.environment.name.
func environmentNames(all []pmetric.Metrics) map[string]string {
	names := map[string]string{}
	for env, attrs := range receiverharness.ResourcesByEnvironment(all) {
		name, _ := attrs["deployment.environment.name"].(string)
		names[env] = name
	}
	return names
}
