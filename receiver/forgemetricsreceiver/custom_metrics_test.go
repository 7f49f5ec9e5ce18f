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
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
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
	core, logs := observer.New(zap.WarnLevel)
	set := settings
	set.Logger = zap.New(core)
	rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, &consumertest.MetricsSink{})
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, rcv.Shutdown(context.Background()))
	assert.Zero(t, logs.FilterMessageSnippet("do not document").Len(), "no warning for custom metrics")
}

// Custom metrics arrive as the API shapes them: the simulator's delta sum with a customMetricName
// attribute reaches the pipeline with its name and data point attributes unchanged, each point once.
func TestCustomMetricsDeliveredAsTheAPIShapesThem(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:]
	cfg.Metrics = []string{"FORGE_BACKEND_CUSTOM_METRICS_COUNT"}
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), sink, clock), clock, simNow.Add(time.Minute))

	got := map[string]int{}
	for _, md := range sink.AllMetrics() {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			env, _ := rm.Resource().Attributes().Get("forge.environment.id")
			ms := rm.ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				m := ms.At(j)
				require.Equal(t, "forge_backend_custom_metrics_count", m.Name())
				require.Equal(t, pmetric.MetricTypeSum, m.Type())
				assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
				for k := 0; k < m.Sum().DataPoints().Len(); k++ {
					p := m.Sum().DataPoints().At(k)
					assert.Equal(t, []string{"customMetricName", "environmentId"}, sortedKeys(p.Attributes().AsRaw()), "attributes unchanged")
					name, _ := p.Attributes().Get("customMetricName")
					got[fmt.Sprintf("%s|%s|%s|%d", m.Name(), env.Str(), name.Str(), p.Timestamp())]++
				}
			}
		}
	}
	want := map[string]int{}
	from := simNow.Add(-cfg.InitialLookback)
	for _, p := range sim.VisiblePoints("app-2", []string{"env-3"}, cfg.Metrics, from, simNow.Add(-cfg.Delay)) {
		want[p.Key()] = 1
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
