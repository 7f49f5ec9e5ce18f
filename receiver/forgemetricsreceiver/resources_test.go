package forgemetricsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// The points of an app's call come back as one resource per environment, with the resource
// attributes of the app entry and the receiver's scope.
func TestReceiverRegroupsPointsPerEnvironment(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	_, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT"}
	sink := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, componenttest.NewNopHost(), sink, clock), simNow.Add(time.Minute))

	receiverharness.AssertAppResources(t, sink.AllMetrics(), "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver")
	for _, p := range receiverharness.Points(t, sink.AllMetrics()) {
		assert.Equal(t, "forge_backend_invocation_count", p.Metric.Name())
	}
}

// An app listed twice, once by its ARI, is polled as one app: each call asks for the environments
// of both entries, and the points come back under the bare id.
func TestReceiverPollsAnAppListedTwiceAsOne(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	app1, app2 := cfg.Apps[0], cfg.Apps[1]
	cfg.Apps = []AppConfig{
		{AppID: "app-1", ServiceName: "first-app", Environments: app1.Environments[:1]},
		app2,
		{AppID: app1.AppID, ServiceName: "first-app", Environments: app1.Environments[1:]},
	}
	sink := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, componenttest.NewNopHost(), sink, clock), simNow.Add(time.Minute))

	calls := 0
	for _, r := range sim.Requests() {
		if r.API == "metrics" && r.AppID == "app-1" {
			calls++
			assert.ElementsMatch(t, []string{"env-1", "env-2"}, r.Environments)
		}
	}
	assert.Positive(t, calls)
	envs := map[string]any{}
	for env, attrs := range receiverharness.ResourcesByEnvironment(sink.AllMetrics()) {
		envs[env] = attrs["forge.app.id"]
	}
	assert.Equal(t, map[string]any{"env-1": "app-1", "env-2": "app-1", "env-3": "app-2"}, envs)
}
