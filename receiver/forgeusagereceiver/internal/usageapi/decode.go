package usageapi

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/resource"
)

// SiteAttribute is the data point attribute that names a customer site (its context ARI) when
// usage is grouped by site.
const SiteAttribute = "forge.site.ari"

// ResourceAttribute is the data point attribute that repeats the API's resource name, such as
// FUNCTION_COMPUTE: backends that lose the metric name in functions (PromQL's rate, increase) can
// still tell resources apart.
const ResourceAttribute = "forge.usage.resource"

// MetricPrefix starts the name of every usage metric: the receiver's own prefix.
const MetricPrefix = "forgeusage_"

// MetricName is the name of a resource's metric, such as forgeusage_function_compute.
func MetricName(resource string) string { return MetricPrefix + strings.ToLower(resource) }

// Environment is one environment polled, and how its resource is named.
type Environment struct {
	ID string
	// Name becomes deployment.environment.name; empty leaves the attribute out.
	Name string
}

// Scope names the instrumentation scope of every metric.
type Scope = resource.Scope

// Window describes the pages of one (app, resource, window) read and where their usage goes.
type Window struct {
	Start, End time.Time
	// ServiceName becomes service.name; empty uses the bare app id.
	ServiceName string
	// AppID is a bare UUID or an ARI; forge.app.id is always the bare UUID.
	AppID    string
	Resource string
	// GroupBy is how the query grouped the answer: GroupByEnvironment, GroupBySite or empty (flat).
	GroupBy string
	// Environments are the app's polled environments, in the order their resources are emitted.
	// Grouped by environment, a group of another environment is dropped.
	Environments []Environment
	// Environment is the one environment the query asked for (grouped by site, or flat).
	Environment string
	Scope       Scope
}

// Drops counts the usage entries of a page that were not delivered, by reason.
type Drops struct {
	// OutsideWindow entries have a period that does not lie inside [Start, End), or a resolution
	// whose bounds are unknown: delivering them could count a period twice.
	OutsideWindow int
	// UnknownEnvironment entries belong to an environment the app entry does not poll.
	UnknownEnvironment int
}

// Total is the number of entries dropped for any reason.
func (d Drops) Total() int { return d.OutsideWindow + d.UnknownEnvironment }

// Decode maps a page to one ResourceMetrics per environment of w (in w's order, only those with
// usage), each with one ScopeMetrics holding the resource's metric: a delta, monotonic Sum whose
// points span their periods [start, end), with the amount as a double. Points are in the
// page's order; amounts in another unit than the first make a metric of their own, so that a
// metric never mixes units.
func Decode(page Page, w Window) (pmetric.Metrics, Drops) {
	var drops Drops
	md := pmetric.NewMetrics()
	resources := map[string]pmetric.MetricSlice{}
	metrics := map[[2]string]pmetric.NumberDataPointSlice{}
	order := map[string]int{}
	for i, env := range w.Environments {
		order[env.ID] = i
	}
	slot := func(env string) pmetric.MetricSlice {
		if ms, ok := resources[env]; ok {
			return ms
		}
		rm := md.ResourceMetrics().AppendEmpty()
		setResource(rm.Resource().Attributes(), w, env)
		sm := rm.ScopeMetrics().AppendEmpty()
		w.Scope.Put(sm.Scope())
		resources[env] = sm.Metrics()
		return sm.Metrics()
	}
	points := func(env, unit string) pmetric.NumberDataPointSlice {
		if dps, ok := metrics[[2]string{env, unit}]; ok {
			return dps
		}
		m := slot(env).AppendEmpty()
		m.SetName(MetricName(w.Resource))
		m.SetDescription("Forge resource usage of " + w.Resource + " per period, as the App resource usage API meters it.")
		m.SetUnit(unit)
		sum := m.SetEmptySum()
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		sum.SetIsMonotonic(true)
		metrics[[2]string{env, unit}] = sum.DataPoints()
		return sum.DataPoints()
	}
	for _, period := range page.Periods {
		inside := !period.End.IsZero() && !period.Start.Before(w.Start) && !period.End.After(w.End)
		for _, g := range period.Groups {
			if !inside {
				drops.OutsideWindow++
				continue
			}
			env, site := w.Environment, ""
			if w.GroupBy == GroupByEnvironment {
				env = g.Value
			} else if w.GroupBy == GroupBySite {
				site = g.Value
			}
			if _, polled := order[env]; !polled {
				drops.UnknownEnvironment++
				continue
			}
			dp := points(env, g.Unit).AppendEmpty()
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(period.Start))
			dp.SetTimestamp(pcommon.NewTimestampFromTime(period.End))
			dp.SetDoubleValue(g.Amount)
			dp.Attributes().PutStr(ResourceAttribute, w.Resource)
			if site != "" {
				dp.Attributes().PutStr(SiteAttribute, site)
			}
		}
	}
	// Resources in the configured order of environments, whatever the page's order.
	md.ResourceMetrics().Sort(func(a, b pmetric.ResourceMetrics) bool {
		ea, _ := a.Resource().Attributes().Get("forge.environment.id")
		eb, _ := b.Resource().Attributes().Get("forge.environment.id")
		return order[ea.Str()] < order[eb.Str()]
	})
	return md, drops
}

func setResource(attrs pcommon.Map, w Window, env string) {
	e := resource.Environment{ServiceName: w.ServiceName, AppID: w.AppID, EnvironmentID: env}
	for _, known := range w.Environments {
		if known.ID == env && known.Name != "" {
			e.EnvironmentName = known.Name
		}
	}
	e.Put(attrs)
}
