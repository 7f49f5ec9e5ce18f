package metricsapi

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/resource"
)

// EnvironmentIDAttribute is the data point attribute that names a point's environment.
const EnvironmentIDAttribute = "environmentId"

// Environment is one environment asked for, and how its resource is named.
type Environment struct {
	ID string
	// Name becomes deployment.environment.name; empty leaves the attribute out.
	Name string
}

// Scope names the instrumentation scope of every metric.
type Scope = resource.Scope

// Window describes one answer: the window [Start, End) it was asked for, and where its points go.
type Window struct {
	Start, End time.Time
	// ServiceName becomes service.name; empty uses the bare app id.
	ServiceName string
	// AppID is a bare UUID or an ARI; forge.app.id is always the bare UUID.
	AppID string
	// Environments are the environments asked for, in the order their resources are emitted.
	Environments []Environment
	Scope        Scope
}

// Drops counts the points of an answer that were not delivered, by reason.
type Drops struct {
	// OutsideWindow points have a timeUnixNano outside (Start, End]: another window delivers them.
	OutsideWindow int
	// UnknownEnvironment points have no environmentId, or one that was not asked for.
	UnknownEnvironment int
}

// Total is the number of points dropped for any reason.
func (d Drops) Total() int { return d.OutsideWindow + d.UnknownEnvironment }

// Decode reads an answer's OTLP/JSON object {"resourceMetrics": [...]} with the collector's own
// unmarshaler and regroups its data points into one ResourceMetrics per environment of w, in w's
// order, each with one ScopeMetrics. Metrics keep their name, description, unit, metadata,
// temporality and monotonicity; data points are moved unchanged, attributes included. The
// answer's own resources and scopes are replaced: the API sends them empty.
//
// A point belongs to w when w.Start < timeUnixNano <= w.End, whatever its type: a 60-second
// bucket [m, m+60s) is stamped m+60s and so belongs to the window that contains m; a gauge or a
// cumulative sum belongs where it was observed. Points outside w, and points of environments not
// in w, are dropped and counted, so overlapping answers never deliver a point twice. A point is
// counted under the first rule it breaks, in that order.
func Decode(answer []byte, w Window) (pmetric.Metrics, Drops, error) {
	in, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(answer)
	if err != nil {
		return pmetric.Metrics{}, Drops{}, fmt.Errorf("%w: resourceMetrics: %w", ErrMalformedAnswer, err)
	}
	r := newRegrouper(w)
	rms := in.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				r.metric(ms.At(k))
			}
		}
	}
	return r.finish(), r.drops, nil
}

// inWindow applies the membership rule start < t <= end.
func inWindow(t pcommon.Timestamp, start, end time.Time) bool {
	ns := int64(t)
	if ns < 0 { // beyond what time.Time can hold, and so after any window
		return false
	}
	at := time.Unix(0, ns)
	return at.After(start) && !at.After(end)
}

// metricKey identifies an output metric: points of input metrics that agree on all of it share one.
type metricKey struct {
	name, description, unit string
	typ                     pmetric.MetricType
	temporality             pmetric.AggregationTemporality
	monotonic               bool
}

func keyOf(m pmetric.Metric) metricKey {
	k := metricKey{name: m.Name(), description: m.Description(), unit: m.Unit(), typ: m.Type()}
	switch m.Type() {
	case pmetric.MetricTypeSum:
		k.temporality, k.monotonic = m.Sum().AggregationTemporality(), m.Sum().IsMonotonic()
	case pmetric.MetricTypeHistogram:
		k.temporality = m.Histogram().AggregationTemporality()
	case pmetric.MetricTypeExponentialHistogram:
		k.temporality = m.ExponentialHistogram().AggregationTemporality()
	}
	return k
}

type envOutput struct {
	metrics pmetric.MetricSlice
	byKey   map[metricKey]pmetric.Metric
}

type regrouper struct {
	w     Window
	out   pmetric.Metrics
	envs  []envOutput
	index map[string]int
	drops Drops
}

func newRegrouper(w Window) *regrouper {
	r := &regrouper{w: w, out: pmetric.NewMetrics(), index: make(map[string]int, len(w.Environments))}
	rms := r.out.ResourceMetrics()
	rms.EnsureCapacity(len(w.Environments))
	for _, env := range w.Environments {
		if _, dup := r.index[env.ID]; dup {
			continue
		}
		r.index[env.ID] = len(r.envs)
		rm := rms.AppendEmpty()
		resource.Environment{ServiceName: w.ServiceName, AppID: w.AppID, EnvironmentID: env.ID, EnvironmentName: env.Name}.
			Put(rm.Resource().Attributes())
		sm := rm.ScopeMetrics().AppendEmpty()
		w.Scope.Put(sm.Scope())
		r.envs = append(r.envs, envOutput{metrics: sm.Metrics()})
	}
	return r
}

// environment returns the index of the environment a point goes to, or counts why it goes nowhere.
func (r *regrouper) environment(attrs pcommon.Map, t pcommon.Timestamp) (int, bool) {
	if !inWindow(t, r.w.Start, r.w.End) {
		r.drops.OutsideWindow++
		return 0, false
	}
	v, ok := attrs.Get(EnvironmentIDAttribute)
	if !ok || v.Type() != pcommon.ValueTypeStr {
		r.drops.UnknownEnvironment++
		return 0, false
	}
	env, ok := r.index[v.Str()]
	if !ok {
		r.drops.UnknownEnvironment++
		return 0, false
	}
	return env, true
}

// output returns the metric of environment env that takes the points of m, creating it on first use.
func (r *regrouper) output(env int, m pmetric.Metric) pmetric.Metric {
	e := &r.envs[env]
	k := keyOf(m)
	if out, ok := e.byKey[k]; ok {
		return out
	}
	out := e.metrics.AppendEmpty()
	out.SetName(m.Name())
	out.SetDescription(m.Description())
	out.SetUnit(m.Unit())
	m.Metadata().CopyTo(out.Metadata())
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		out.SetEmptyGauge()
	case pmetric.MetricTypeSum:
		s := out.SetEmptySum()
		s.SetAggregationTemporality(k.temporality)
		s.SetIsMonotonic(k.monotonic)
	case pmetric.MetricTypeHistogram:
		out.SetEmptyHistogram().SetAggregationTemporality(k.temporality)
	case pmetric.MetricTypeExponentialHistogram:
		out.SetEmptyExponentialHistogram().SetAggregationTemporality(k.temporality)
	case pmetric.MetricTypeSummary:
		out.SetEmptySummary()
	}
	if e.byKey == nil {
		e.byKey = map[metricKey]pmetric.Metric{}
	}
	e.byKey[k] = out
	return out
}

func (r *regrouper) metric(m pmetric.Metric) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		regroup(r, m, m.Gauge().DataPoints(), func(out pmetric.Metric) pmetric.NumberDataPointSlice { return out.Gauge().DataPoints() })
	case pmetric.MetricTypeSum:
		regroup(r, m, m.Sum().DataPoints(), func(out pmetric.Metric) pmetric.NumberDataPointSlice { return out.Sum().DataPoints() })
	case pmetric.MetricTypeHistogram:
		regroup(r, m, m.Histogram().DataPoints(), func(out pmetric.Metric) pmetric.HistogramDataPointSlice { return out.Histogram().DataPoints() })
	case pmetric.MetricTypeExponentialHistogram:
		regroup(r, m, m.ExponentialHistogram().DataPoints(), func(out pmetric.Metric) pmetric.ExponentialHistogramDataPointSlice {
			return out.ExponentialHistogram().DataPoints()
		})
	case pmetric.MetricTypeSummary:
		regroup(r, m, m.Summary().DataPoints(), func(out pmetric.Metric) pmetric.SummaryDataPointSlice { return out.Summary().DataPoints() })
	}
	// A metric without data (MetricTypeEmpty) has no points to deliver or count.
}

// dataPoint is what every pdata point type offers.
type dataPoint[P any] interface {
	Attributes() pcommon.Map
	Timestamp() pcommon.Timestamp
	MoveTo(dest P)
}

// dataPointSlice is what every pdata point slice type offers.
type dataPointSlice[P any] interface {
	Len() int
	At(i int) P
	AppendEmpty() P
}

// regroup moves each point of src, a point slice of m, to the metric of its environment.
func regroup[P dataPoint[P], S dataPointSlice[P]](r *regrouper, m pmetric.Metric, src S, points func(pmetric.Metric) S) {
	// The output slice of each environment, looked up once per input metric.
	dests := make([]S, len(r.envs))
	found := make([]bool, len(r.envs))
	for i := 0; i < src.Len(); i++ {
		p := src.At(i)
		env, ok := r.environment(p.Attributes(), p.Timestamp())
		if !ok {
			continue
		}
		if !found[env] {
			dests[env], found[env] = points(r.output(env, m)), true
		}
		p.MoveTo(dests[env].AppendEmpty())
	}
}

// finish drops the resources of environments that received no point.
func (r *regrouper) finish() pmetric.Metrics {
	r.out.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		return rm.ScopeMetrics().At(0).Metrics().Len() == 0
	})
	return r.out
}
