package forgeusagereceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// Grouped by environment, an app's usage comes back as one resource per polled environment, with
// the resource attributes of the app entry, the receiver's scope and one delta sum per resource.
func TestReceiverMapsResourcesPerEnvironment(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	_, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Resources = []string{"FUNCTION_COMPUTE"}
	cfg.InitialLookback = 2 * time.Hour
	sink := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, componenttest.NewNopHost(), sink, clock), simNow.Add(time.Minute))

	// env-x, not polled, is dropped.
	receiverharness.AssertAppResources(t, sink.AllMetrics(), metadata.ScopeName)
	for _, p := range receiverharness.Points(t, sink.AllMetrics()) {
		m := p.Metric
		assert.Equal(t, "forgeusage_function_compute", m.Name())
		assert.Equal(t, "GB-seconds", m.Unit())
		assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
		assert.True(t, m.Sum().IsMonotonic())
	}
}

// Grouped by site: one stream per environment, each point with its environment and its site.
func TestReceiverGroupedBySite(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.GroupBy = usageapi.GroupBySite
	cfg.Resources = []string{"SQL_REQUESTS"}
	cfg.Window = 24 * time.Hour
	cfg.InitialLookback = 48 * time.Hour
	sink := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, componenttest.NewNopHost(), sink, clock), simNow.Add(10*time.Minute))

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
