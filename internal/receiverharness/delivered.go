package receiverharness

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// EnvironmentAttribute is the resource attribute that names a Forge environment.
const EnvironmentAttribute = "forge.environment.id"

// Point is one delivered data point, with what it is found by.
type Point struct {
	// Resource holds the attributes of the point's resource, Environment its forge.environment.id.
	Resource    pcommon.Map
	Environment string
	Scope       pcommon.InstrumentationScope
	Metric      pmetric.Metric
	Attributes  pcommon.Map
	Start, Time pcommon.Timestamp
	// Value is a number point's value as a float64, ValueType how it was written; a histogram
	// has neither.
	Value     float64
	ValueType pmetric.NumberDataPointValueType
}

// Points lists every data point of all, in order. A metric of a type the receivers do not write
// (exponential histogram, summary, empty), or a resource without an environment, fails the test.
func Points(t testing.TB, all []pmetric.Metrics) []Point {
	t.Helper()
	var points []Point
	for _, rm := range ResourceMetrics(all) {
		env, ok := rm.Resource().Attributes().Get(EnvironmentAttribute)
		require.True(t, ok, "a resource without %s", EnvironmentAttribute)
		for i := 0; i < rm.ScopeMetrics().Len(); i++ {
			sm := rm.ScopeMetrics().At(i)
			for j := 0; j < sm.Metrics().Len(); j++ {
				m := sm.Metrics().At(j)
				at := Point{Resource: rm.Resource().Attributes(), Environment: env.Str(), Scope: sm.Scope(), Metric: m}
				switch m.Type() {
				case pmetric.MetricTypeSum:
					points = appendNumbers(points, at, m.Sum().DataPoints())
				case pmetric.MetricTypeGauge:
					points = appendNumbers(points, at, m.Gauge().DataPoints())
				case pmetric.MetricTypeHistogram:
					for k := 0; k < m.Histogram().DataPoints().Len(); k++ {
						p := m.Histogram().DataPoints().At(k)
						at.Attributes, at.Start, at.Time = p.Attributes(), p.StartTimestamp(), p.Timestamp()
						points = append(points, at)
					}
				default:
					require.Failf(t, "unexpected metric type", "%s is a %s", m.Name(), m.Type())
				}
			}
		}
	}
	return points
}

func appendNumbers(points []Point, at Point, dps pmetric.NumberDataPointSlice) []Point {
	for k := 0; k < dps.Len(); k++ {
		p := dps.At(k)
		at.Attributes, at.Start, at.Time = p.Attributes(), p.StartTimestamp(), p.Timestamp()
		at.Value, at.ValueType = p.DoubleValue(), p.ValueType()
		if p.ValueType() == pmetric.NumberDataPointValueTypeInt {
			at.Value = float64(p.IntValue())
		}
		points = append(points, at)
	}
	return points
}

// ResourceMetrics lists the resources of all, in order.
func ResourceMetrics(all []pmetric.Metrics) []pmetric.ResourceMetrics {
	var out []pmetric.ResourceMetrics
	for _, md := range all {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			out = append(out, md.ResourceMetrics().At(i))
		}
	}
	return out
}

// ResourcesByEnvironment maps each delivered environment to the attributes of its resource (the
// last one delivered, for an environment delivered more than once).
func ResourcesByEnvironment(all []pmetric.Metrics) map[string]map[string]any {
	resources := map[string]map[string]any{}
	for _, rm := range ResourceMetrics(all) {
		env, _ := rm.Resource().Attributes().Get(EnvironmentAttribute)
		resources[env.Str()] = rm.Resource().Attributes().AsRaw()
	}
	return resources
}

// RequireNoneTwice fails the test when a key was delivered more than once; got counts deliveries
// by key.
func RequireNoneTwice(t testing.TB, got map[string]int) {
	t.Helper()
	for key, n := range got {
		require.Equal(t, 1, n, "%s delivered %d times", key, n)
	}
}

// RequireEachOnce fails the test unless each of want was delivered once; got counts deliveries
// by key. It says nothing of keys got has beyond want.
func RequireEachOnce(t testing.TB, got map[string]int, want []string) {
	t.Helper()
	for _, key := range want {
		require.Equal(t, 1, got[key], "%s delivered %d times", key, got[key])
	}
}

// RequireNoneOf fails the test when any of keys was delivered; got counts deliveries by key.
func RequireNoneOf(t testing.TB, got map[string]int, keys []string, why string) {
	t.Helper()
	for _, key := range keys {
		require.Zero(t, got[key], "%s delivered: %s", key, why)
	}
}
