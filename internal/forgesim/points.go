package forgesim // import "github.com/forgelogs/otelcol-forge/internal/forgesim"

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

// metricKind is how a simulated metric is shaped in OTLP.
type metricKind int

const (
	// deltaSum is a monotonic delta sum with asInt over the 60-second bucket [m, m+60s),
	// stamped m+60s.
	deltaSum metricKind = iota
	// histogram is a delta histogram over the 60-second bucket [m, m+60s), stamped m+60s.
	histogram
	// gaugeDouble and gaugeInt are sampled at each minute m.
	gaugeDouble
	gaugeInt
	// cumulativeSum is a monotonic cumulative sum with asInt since the origin, sampled at each minute m.
	cumulativeSum
)

type metricDef struct {
	enum, name, description, unit string
	kind                          metricKind
	// perFunction metrics have one point per function and minute, with a functionKey attribute.
	perFunction bool
}

// metricDefs are the documented metrics, in the order answers list them.
var metricDefs = []metricDef{
	{"FORGE_API_REQUEST_COUNT", "forge_api_request_count", "Requests from the app to Atlassian APIs", "", deltaSum, false},
	{"FORGE_API_REQUEST_LATENCY", "forge_api_request_latency", "Latency of requests from the app to Atlassian APIs", "ms", histogram, false},
	{"FORGE_BACKEND_INVOCATION_COUNT", "forge_backend_invocation_count", "Invocations of the app's functions", "", deltaSum, true},
	{"FORGE_BACKEND_INVOCATION_ERRORS", "forge_backend_invocation_errors", "Invocations of the app's functions that failed", "", deltaSum, true},
	{"FORGE_BACKEND_INVOCATION_LATENCY", "forge_backend_invocation_latency", "Duration of the app's function invocations", "ms", histogram, true},
	{"CONTAINER_CPU_USAGE_PERCENTAGE", "container_cpu_usage_percentage", "CPU used by the app's containers", "%", gaugeDouble, false},
	{"CONTAINER_MEMORY_USAGE_PERCENTAGE", "container_memory_usage_percentage", "Memory used by the app's containers", "%", gaugeDouble, false},
	{"SERVICE_INSTANCE_COUNT", "service_instance_count", "Running instances of the app's services", "", gaugeInt, false},
	{"CONTAINER_UPTIME_SECONDS", "container_uptime_seconds", "Time since the app's container last started", "s", gaugeDouble, false},
	{"CONTAINER_STATUS_RESTARTS_TOTAL", "container_status_restarts_total", "Restarts of the app's containers", "", cumulativeSum, false},
}

// CustomMetricsEnum asks for the counters an app defines itself (Forge custom metrics). The name
// is in the API's published GraphQL schema, but how its points are named and labelled is not
// documented: the simulator's shape (one delta sum, a customMetricName attribute per counter) is
// an assumption, and it serves them only when a query names the enum, never in the default "all".
const CustomMetricsEnum = "FORGE_BACKEND_CUSTOM_METRICS_COUNT"

// customMetricsDef is how the simulator serves CustomMetricsEnum: one point per custom metric and
// minute, with a customMetricName attribute.
var customMetricsDef = metricDef{enum: CustomMetricsEnum, name: "forge_backend_custom_metrics_count", description: "Increments of the app's custom metrics", kind: deltaSum}

// CustomMetricNames are the custom metrics every simulated app defines, named as the developer
// console allows (letters, digits, dots and hyphens).
var CustomMetricNames = []string{"issues.synced", "webhook-received"}

// LatencyBounds are the explicit bounds, in milliseconds, of the simulated latency histograms.
var LatencyBounds = []float64{50, 100, 250, 500, 1000, 2500, 5000}

// restartEvery is how often a simulated container restarts, counted from the origin.
const restartEvery = 37 * time.Minute

// MetricNames returns the documented metric enum names, the selection a query without metrics asks
// for, in the order answers list them. CustomMetricsEnum is known too, but served only when named.
func MetricNames() []string {
	names := make([]string, len(metricDefs))
	for i, d := range metricDefs {
		names[i] = d.enum
	}
	return names
}

func lookupMetric(enum string) (metricDef, bool) {
	if enum == CustomMetricsEnum {
		return customMetricsDef, true
	}
	i := slices.IndexFunc(metricDefs, func(d metricDef) bool { return d.enum == enum })
	if i < 0 {
		return metricDef{}, false
	}
	return metricDefs[i], true
}

// MetricPoint is one synthetic data point of the metrics API. Every point carries an
// environmentId attribute, the forge_backend_invocation_* points a functionKey attribute and the
// forge_backend_custom_metrics_count points a customMetricName attribute.
type MetricPoint struct {
	Metric            string // OTLP name, such as forge_backend_invocation_count
	EnvironmentID     string
	FunctionKey       string // empty unless the metric is per function
	CustomMetric      string // empty unless the metric is per custom metric
	StartTimeUnixNano int64  // zero for gauges
	TimeUnixNano      int64
	// Value is the value of a sum or gauge; a whole number for those sent as asInt.
	Value float64
	// Count, Sum, Min, Max and BucketCounts (over LatencyBounds) describe a histogram point.
	Count        uint64
	Sum          float64
	Min, Max     float64
	BucketCounts []uint64
}

// Key identifies p among all points of an app: metric, environment, function (or custom metric)
// and time.
func (p MetricPoint) Key() string {
	return fmt.Sprintf("%s|%s|%s|%d", p.Metric, p.EnvironmentID, p.FunctionKey+p.CustomMetric, p.TimeUnixNano)
}

// mix is splitmix64's finaliser: a cheap, well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// metricOrigin is the first minute with points.
func (s *Server) metricOrigin() time.Time {
	return s.cfg.Origin.Truncate(time.Minute)
}

// metricPoints returns the points of d for env whose timeUnixNano lies in (start, end], in time
// order. Values depend only on the app, environment, function and minute.
func (s *Server) metricPoints(out []MetricPoint, app, env string, d metricDef, start, end time.Time) []MetricPoint {
	origin := s.metricOrigin()
	// A bucket [m, m+60s) is stamped m+60s; a sample at m is stamped m.
	var stamp time.Duration
	if d.kind == deltaSum || d.kind == histogram {
		stamp = time.Minute
	}
	first := start.Add(-stamp).Truncate(time.Minute).Add(time.Minute) // first m with m+stamp > start
	if first.Before(origin) {
		first = origin
	}
	// series are the function keys or custom metric names the metric has one point per minute for.
	series := []string{""}
	switch {
	case d.perFunction:
		series = functions
	case d.enum == CustomMetricsEnum:
		series = CustomMetricNames
	}
	for _, key := range series {
		for m := first; !m.Add(stamp).After(end); m = m.Add(time.Minute) {
			out = append(out, s.metricPoint(app, env, key, d, origin, m, stamp))
		}
	}
	return out
}

func (s *Server) metricPoint(app, env, series string, d metricDef, origin, m time.Time, stamp time.Duration) MetricPoint {
	p := MetricPoint{Metric: d.name, EnvironmentID: env, TimeUnixNano: m.Add(stamp).UnixNano()}
	if d.enum == CustomMetricsEnum {
		p.CustomMetric = series
	} else {
		p.FunctionKey = series
	}
	fn := p.FunctionKey
	minute := uint64(m.Unix() / 60)
	since := m.Sub(origin)
	switch d.kind {
	case deltaSum, histogram:
		p.StartTimeUnixNano = m.UnixNano()
	case cumulativeSum:
		p.StartTimeUnixNano = origin.UnixNano()
	}
	// Counts and their latencies agree: a latency histogram counts the invocations or requests
	// of its minute.
	requests := 20 + mix(seedOf(app, env, "requests")^minute)%80
	invocations := 5 + mix(seedOf(app, env, fn, "invocations")^minute)%50
	switch d.enum {
	case "FORGE_API_REQUEST_COUNT":
		p.Value = float64(requests)
	case "FORGE_API_REQUEST_LATENCY":
		p.fillHistogram(requests, seedOf(app, env, "request-latency")^minute)
	case "FORGE_BACKEND_INVOCATION_COUNT":
		p.Value = float64(invocations)
	case "FORGE_BACKEND_INVOCATION_ERRORS":
		p.Value = float64(mix(seedOf(app, env, fn, "errors")^minute) % 4) // at most 3, fewer than the invocations
	case "FORGE_BACKEND_INVOCATION_LATENCY":
		p.fillHistogram(invocations, seedOf(app, env, fn, "invocation-latency")^minute)
	case "CONTAINER_CPU_USAGE_PERCENTAGE":
		p.Value = float64(mix(seedOf(app, env, "cpu")^minute)%10000) / 100
	case "CONTAINER_MEMORY_USAGE_PERCENTAGE":
		p.Value = 20 + float64(mix(seedOf(app, env, "memory")^minute)%6000)/100
	case "SERVICE_INSTANCE_COUNT":
		p.Value = float64(1 + mix(seedOf(app, env, "instances")^minute)%3)
	case "CONTAINER_UPTIME_SECONDS":
		p.Value = (since % restartEvery).Seconds()
	case "CONTAINER_STATUS_RESTARTS_TOTAL":
		p.Value = float64(since / restartEvery)
	case CustomMetricsEnum:
		p.Value = float64(mix(seedOf(app, env, p.CustomMetric, "custom")^minute) % 20)
	}
	return p
}

// fillHistogram spreads n whole-millisecond latencies drawn from seed over LatencyBounds.
func (p *MetricPoint) fillHistogram(n, seed uint64) {
	p.Count = n
	p.BucketCounts = make([]uint64, len(LatencyBounds)+1)
	for i := range n {
		latency := float64(20 + mix(seed+i)%2980)
		p.Sum += latency
		if i == 0 || latency < p.Min {
			p.Min = latency
		}
		if latency > p.Max {
			p.Max = latency
		}
		// OTLP buckets are upper-inclusive: bucket i holds bounds[i-1] < v <= bounds[i].
		b, _ := slices.BinarySearch(LatencyBounds, latency)
		p.BucketCounts[b]++
	}
}

// appendMetricJSON writes one metric with its points in OTLP/JSON, as the API sends it: timestamps
// and 64-bit integers as strings.
func appendMetricJSON(b []byte, d metricDef, points []MetricPoint) []byte {
	b = append(b, `{"name":`...)
	b = strconv.AppendQuote(b, d.name)
	b = append(b, `,"description":`...)
	b = strconv.AppendQuote(b, d.description)
	if d.unit != "" {
		b = append(b, `,"unit":`...)
		b = strconv.AppendQuote(b, d.unit)
	}
	switch d.kind {
	case deltaSum, cumulativeSum:
		b = append(b, `,"sum":{"dataPoints":[`...)
	case histogram:
		b = append(b, `,"histogram":{"dataPoints":[`...)
	default:
		b = append(b, `,"gauge":{"dataPoints":[`...)
	}
	for i, p := range points {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.appendJSON(b, d.kind)
	}
	b = append(b, ']')
	switch d.kind {
	case deltaSum:
		b = append(b, `,"aggregationTemporality":1,"isMonotonic":true`...)
	case cumulativeSum:
		b = append(b, `,"aggregationTemporality":2,"isMonotonic":true`...)
	case histogram:
		b = append(b, `,"aggregationTemporality":1`...)
	}
	return append(b, "}}"...)
}

func (p MetricPoint) appendJSON(b []byte, kind metricKind) []byte {
	b = append(b, `{"attributes":[`...)
	b = appendAttr(b, "environmentId", p.EnvironmentID, false)
	if p.FunctionKey != "" {
		b = appendAttr(b, "functionKey", p.FunctionKey, true)
	}
	if p.CustomMetric != "" {
		b = appendAttr(b, "customMetricName", p.CustomMetric, true)
	}
	b = append(b, ']')
	if p.StartTimeUnixNano != 0 {
		b = append(b, `,"startTimeUnixNano":"`...)
		b = strconv.AppendInt(b, p.StartTimeUnixNano, 10)
		b = append(b, '"')
	}
	b = append(b, `,"timeUnixNano":"`...)
	b = strconv.AppendInt(b, p.TimeUnixNano, 10)
	b = append(b, '"')
	switch kind {
	case deltaSum, cumulativeSum, gaugeInt:
		b = append(b, `,"asInt":"`...)
		b = strconv.AppendInt(b, int64(p.Value), 10)
		b = append(b, '"')
	case gaugeDouble:
		b = append(b, `,"asDouble":`...)
		b = strconv.AppendFloat(b, p.Value, 'g', -1, 64)
	case histogram:
		b = append(b, `,"count":"`...)
		b = strconv.AppendUint(b, p.Count, 10)
		b = append(b, `","sum":`...)
		b = strconv.AppendFloat(b, p.Sum, 'g', -1, 64)
		b = append(b, `,"bucketCounts":[`...)
		for i, c := range p.BucketCounts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = strconv.AppendUint(b, c, 10)
			b = append(b, '"')
		}
		b = append(b, `],"explicitBounds":[`...)
		for i, bound := range LatencyBounds {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, bound, 'g', -1, 64)
		}
		b = append(b, `],"min":`...)
		b = strconv.AppendFloat(b, p.Min, 'g', -1, 64)
		b = append(b, `,"max":`...)
		b = strconv.AppendFloat(b, p.Max, 'g', -1, 64)
	}
	return append(b, '}')
}
