package receiverharness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// twoResources holds env-1 with an int sum, a double gauge and a histogram, and env-3 with a
// double sum under another scope, each point at a time of its own.
func twoResources() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(EnvironmentAttribute, "env-1")
	rm.Resource().Attributes().PutStr("forge.app.id", "app-1")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	sum := ms.AppendEmpty()
	sum.SetName("count")
	p := sum.SetEmptySum().DataPoints().AppendEmpty()
	p.SetIntValue(7)
	p.SetStartTimestamp(1)
	p.SetTimestamp(2)
	p.Attributes().PutStr("functionKey", "fn")
	gauge := ms.AppendEmpty()
	gauge.SetName("cpu")
	gauge.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(0.5)
	gauge.Gauge().DataPoints().At(0).SetTimestamp(3)
	hist := ms.AppendEmpty()
	hist.SetName("latency")
	hist.SetEmptyHistogram().DataPoints().AppendEmpty().SetTimestamp(4)

	rm = md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(EnvironmentAttribute, "env-3")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("other")
	usage := sm.Metrics().AppendEmpty()
	usage.SetName("usage")
	usage.SetEmptySum().DataPoints().AppendEmpty().SetDoubleValue(1.5)
	return md
}

func TestPointsListsEveryPointWithWhatFindsIt(t *testing.T) {
	points := Points(t, []pmetric.Metrics{twoResources()})
	require.Len(t, points, 4)
	type seen struct {
		env, metric string
		value       float64
		valueType   pmetric.NumberDataPointValueType
		time        pcommon.Timestamp
	}
	var got []seen
	for _, p := range points {
		got = append(got, seen{p.Environment, p.Metric.Name(), p.Value, p.ValueType, p.Time})
	}
	assert.Equal(t, []seen{
		{"env-1", "count", 7, pmetric.NumberDataPointValueTypeInt, 2},
		{"env-1", "cpu", 0.5, pmetric.NumberDataPointValueTypeDouble, 3},
		{"env-1", "latency", 0, pmetric.NumberDataPointValueTypeEmpty, 4},
		{"env-3", "usage", 1.5, pmetric.NumberDataPointValueTypeDouble, 0},
	}, got)
	assert.Equal(t, pcommon.Timestamp(1), points[0].Start)
	fn, _ := points[0].Attributes.Get("functionKey")
	assert.Equal(t, "fn", fn.Str())
	app, _ := points[0].Resource.Get("forge.app.id")
	assert.Equal(t, "app-1", app.Str())
	assert.Equal(t, "other", points[3].Scope.Name())
}

func TestPointsFailsOnWhatNoReceiverWrites(t *testing.T) {
	summary := twoResources()
	summary.ResourceMetrics().At(1).ScopeMetrics().At(0).Metrics().AppendEmpty().SetEmptySummary()
	assert.True(t, fails(t, func(t testing.TB) { Points(t, []pmetric.Metrics{summary}) }), "a summary")

	noEnvironment := twoResources()
	noEnvironment.ResourceMetrics().At(1).Resource().Attributes().Remove(EnvironmentAttribute)
	assert.True(t, fails(t, func(t testing.TB) { Points(t, []pmetric.Metrics{noEnvironment}) }), "a resource without its environment")
}

func TestResourcesByEnvironment(t *testing.T) {
	assert.Equal(t, map[string]map[string]any{
		"env-1": {EnvironmentAttribute: "env-1", "forge.app.id": "app-1"},
		"env-3": {EnvironmentAttribute: "env-3"},
	}, ResourcesByEnvironment([]pmetric.Metrics{twoResources()}))
	assert.Len(t, ResourceMetrics([]pmetric.Metrics{twoResources(), twoResources()}), 4)
}

func TestTheDeliveryChecksFailWhenTheyMust(t *testing.T) {
	got := map[string]int{"a": 1, "b": 1}
	assert.False(t, fails(t, func(t testing.TB) { RequireNoneTwice(t, got) }))
	assert.True(t, fails(t, func(t testing.TB) { RequireNoneTwice(t, map[string]int{"a": 1, "b": 2}) }), "b twice")

	assert.False(t, fails(t, func(t testing.TB) { RequireEachOnce(t, got, []string{"a"}) }), "more than want is not its concern")
	assert.True(t, fails(t, func(t testing.TB) { RequireEachOnce(t, got, []string{"a", "c"}) }), "c missing")
	assert.True(t, fails(t, func(t testing.TB) { RequireEachOnce(t, map[string]int{"a": 2}, []string{"a"}) }), "a twice")

	assert.False(t, fails(t, func(t testing.TB) { RequireNoneOf(t, got, []string{"c"}, "never served") }))
	assert.True(t, fails(t, func(t testing.TB) { RequireNoneOf(t, got, []string{"c", "b"}, "never served") }), "b delivered")
}

func TestRequireSaturatedBudget(t *testing.T) {
	var calls []time.Time
	for i := range 10 {
		calls = append(calls, Now.Add(time.Duration(i)*12*time.Second)) // five a minute
	}
	assert.False(t, fails(t, func(t testing.TB) { RequireSaturatedBudget(t, calls, 9, 5) }))
	assert.True(t, fails(t, func(t testing.TB) { RequireSaturatedBudget(t, calls, 10, 5) }), "not saturated: 10 calls, not more")
	assert.True(t, fails(t, func(t testing.TB) { RequireSaturatedBudget(t, calls, 9, 4) }), "five calls in a minute")
}

func TestAssertAppResources(t *testing.T) {
	md := pmetric.NewMetrics()
	for _, attrs := range AppResources() {
		rm := md.ResourceMetrics().AppendEmpty()
		require.NoError(t, rm.Resource().Attributes().FromRaw(attrs))
		rm.ScopeMetrics().AppendEmpty().Scope().SetName("scope")
	}
	assert.False(t, fails(t, func(t testing.TB) { AssertAppResources(t, []pmetric.Metrics{md}, "scope") }))
	assert.True(t, fails(t, func(t testing.TB) { AssertAppResources(t, []pmetric.Metrics{md}, "another scope") }))
	assert.True(t, fails(t, func(t testing.TB) { AssertAppResources(t, []pmetric.Metrics{twoResources()}, "") }), "other resources")
}
