package forgesim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Custom metrics are served only when a query names FORGE_BACKEND_CUSTOM_METRICS_COUNT: one delta
// sum whose points name their custom metric in a customMetricName attribute, next to environmentId.
func TestCustomMetricsServedOnlyWhenAsked(t *testing.T) {
	sim, srv, _ := newMetricsServer(t, Config{})
	start, end := metricsNow.Add(-20*time.Minute), metricsNow.Add(-15*time.Minute)
	app := "ari:cloud:ecosystem::app/app-1"

	all := post(t, srv, metricsCall{variables: variables(app, []string{"env-a"}, start.Format(dateLayout), end.Format(dateLayout))}).metrics(t)
	assert.NotContains(t, metricNames(all.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()), "forge_backend_custom_metrics_count",
		"a query without metrics asks for the documented ones only")
	assert.NotContains(t, MetricNames(), "FORGE_BACKEND_CUSTOM_METRICS_COUNT")

	md := post(t, srv, metricsCall{variables: variables(app, []string{"env-a"}, start.Format(dateLayout), end.Format(dateLayout), "FORGE_BACKEND_CUSTOM_METRICS_COUNT")}).metrics(t)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, 1, ms.Len())
	m := ms.At(0)
	assert.Equal(t, "forge_backend_custom_metrics_count", m.Name())
	require.Equal(t, pmetric.MetricTypeSum, m.Type())
	assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
	assert.True(t, m.Sum().IsMonotonic())

	// Five one-minute buckets ending in (start, end], for each of the two custom metrics.
	points := m.Sum().DataPoints()
	require.Equal(t, 10, points.Len())
	names := map[string]int{}
	for i := 0; i < points.Len(); i++ {
		p := points.At(i)
		assert.Equal(t, pmetric.NumberDataPointValueTypeInt, p.ValueType())
		assert.Equal(t, 60*time.Second, p.Timestamp().AsTime().Sub(p.StartTimestamp().AsTime()), "a 60-second bucket")
		env, _ := p.Attributes().Get("environmentId")
		assert.Equal(t, "env-a", env.Str())
		name, ok := p.Attributes().Get("customMetricName")
		require.True(t, ok, "each point names its custom metric")
		names[name.Str()]++
		_, hasFunction := p.Attributes().Get("functionKey")
		assert.False(t, hasFunction)
	}
	assert.Equal(t, map[string]int{"issues.synced": 5, "webhook-received": 5}, names)

	want := map[string]int{}
	for _, p := range sim.VisiblePoints("app-1", []string{"env-a"}, []string{"FORGE_BACKEND_CUSTOM_METRICS_COUNT"}, start, end) {
		assert.NotEmpty(t, p.CustomMetric)
		want[p.Key()]++
	}
	assert.Len(t, want, 10, "keys tell the custom metrics apart")
}
