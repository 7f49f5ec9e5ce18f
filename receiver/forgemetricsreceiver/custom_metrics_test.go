package forgemetricsreceiver

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// FORGE_BACKEND_CUSTOM_METRICS_COUNT is a name of the API's schema: asking for it draws no
// "undocumented" warning, while a name nobody knows still does; it is not asked for by default.
func TestCustomMetricsAreAKnownNameNotADefault(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1")
	assert.NotContains(t, cfg.metrics(), "FORGE_BACKEND_CUSTOM_METRICS_COUNT", "custom metrics are opt-in")

	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT", "FORGE_BACKEND_CUSTOM_METRICS_COUNT", "SOME_NEW_METRIC"}
	require.NoError(t, cfg.Validate())
	assert.Equal(t, []string{"SOME_NEW_METRIC"}, cfg.unknownMetrics())

	cfg.Metrics = []string{"FORGE_BACKEND_CUSTOM_METRICS_COUNT"}
	obs := receiverharness.Observe(t, settings, zap.WarnLevel)
	rcv := receiverharness.CreateMetrics(t, NewFactory(), obs.Settings, cfg, &consumertest.MetricsSink{})
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, rcv.Shutdown(context.Background()))
	assert.Zero(t, obs.Logs.FilterMessageSnippet("do not document").Len(), "no warning for custom metrics")
}

// Custom metrics arrive as the API shapes them: the simulator's delta sum with a customMetricName
// attribute reaches the pipeline with its name and data point attributes unchanged, each point once.
func TestCustomMetricsDeliveredAsTheAPIShapesThem(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:]
	cfg.Metrics = []string{"FORGE_BACKEND_CUSTOM_METRICS_COUNT"}
	sink := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, componenttest.NewNopHost(), sink, clock), simNow.Add(time.Minute))

	got := map[string]int{}
	for _, p := range receiverharness.Points(t, sink.AllMetrics()) {
		m := p.Metric
		require.Equal(t, "forge_backend_custom_metrics_count", m.Name())
		require.Equal(t, pmetric.MetricTypeSum, m.Type())
		assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
		assert.Equal(t, []string{"customMetricName", "environmentId"}, sortedKeys(p.Attributes.AsRaw()), "attributes unchanged")
		name, _ := p.Attributes.Get("customMetricName")
		got[fmt.Sprintf("%s|%s|%s|%d", m.Name(), p.Environment, name.Str(), p.Time)]++
	}
	want := map[string]int{}
	from := simNow.Add(-cfg.InitialLookback)
	for _, key := range visibleKeys(sim, "app-2", []string{"env-3"}, cfg.Metrics, from, simNow.Add(-cfg.Delay)) {
		want[key] = 1
	}
	require.NotEmpty(t, want)
	assert.Equal(t, want, got)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
