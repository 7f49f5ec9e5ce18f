package forgesim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// metricsQuery is the documented query, as a receiver sends it.
const metricsQuery = `query Ecosystem($appId: ID!, $query: ForgeMetricsOtlpQueryInput!) {
  ecosystem {
    forgeMetrics(appId: $appId) {
      appMetrics(query: $query) {
        ... on ForgeMetricsOtlpData {
          resourceMetrics
        }
        ... on QueryError {
          message
          identifier
          extensions {
            statusCode
            errorType
          }
        }
      }
    }
  }
}`

// metricsNow is the simulator's clock in these tests: 2026-11-24 12:00 UTC, a whole minute.
var metricsNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newMetricsServer(t *testing.T, cfg Config) (*Server, *httptest.Server, *clock) {
	t.Helper()
	clk := &clock{now: metricsNow}
	cfg.Email, cfg.Token = "u@example.com", "tok"
	cfg.Accounts = map[string]string{"other@example.com": "tok2"}
	cfg.Apps = map[string][]string{"app-1": {"env-a", "env-b"}, "app-2": {"env-c"}}
	cfg.Now = clk.Now
	if cfg.Origin.IsZero() {
		cfg.Origin = metricsNow.Add(-15 * 24 * time.Hour)
	}
	sim := New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv, clk
}

// metricsCall is one request to /graphql; zero fields take a valid default.
type metricsCall struct {
	method     string
	user, pass string
	noAuth     bool
	noOptIn    bool
	query      string
	variables  any
	rawBody    string
}

func variables(app string, envs []string, start, end string, metrics ...string) map[string]any {
	filters := map[string]any{"environments": envs, "interval": map[string]any{"start": start, "end": end}}
	if metrics != nil {
		filters["metrics"] = metrics
	}
	return map[string]any{"appId": app, "query": map[string]any{"filters": filters}}
}

func at(d time.Duration) string { return metricsNow.Add(d).Format(dateLayout) }

var validVariables = variables("ari:cloud:ecosystem::app/app-1", []string{"env-a"}, at(-30*time.Minute), at(-15*time.Minute))

type metricsAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (a metricsAnswer) queryError(t *testing.T) (int, string) {
	t.Helper()
	var v struct {
		Data struct {
			Ecosystem struct {
				ForgeMetrics struct {
					AppMetrics struct {
						Message    *string `json:"message"`
						Extensions struct {
							StatusCode int    `json:"statusCode"`
							ErrorType  string `json:"errorType"`
						} `json:"extensions"`
					} `json:"appMetrics"`
				} `json:"forgeMetrics"`
			} `json:"ecosystem"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(a.body, &v), string(a.body))
	if v.Data.Ecosystem.ForgeMetrics.AppMetrics.Message == nil {
		return 0, ""
	}
	return v.Data.Ecosystem.ForgeMetrics.AppMetrics.Extensions.StatusCode, v.Data.Ecosystem.ForgeMetrics.AppMetrics.Extensions.ErrorType
}

func (a metricsAnswer) graphQLErrors(t *testing.T) []string {
	t.Helper()
	var v struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
		Data any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(a.body, &v), string(a.body))
	var out []string
	for _, e := range v.Errors {
		out = append(out, e.Message)
	}
	if len(out) > 0 {
		assert.Nil(t, v.Data, "errors come without data")
	}
	return out
}

// metrics decodes a successful answer's resourceMetrics with the collector's own unmarshaler.
func (a metricsAnswer) metrics(t *testing.T) pmetric.Metrics {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var v struct {
		Data struct {
			Ecosystem struct {
				ForgeMetrics struct {
					AppMetrics json.RawMessage `json:"appMetrics"`
				} `json:"forgeMetrics"`
			} `json:"ecosystem"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(a.body, &v), string(a.body))
	md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(v.Data.Ecosystem.ForgeMetrics.AppMetrics)
	require.NoError(t, err)
	return md
}

func post(t *testing.T, srv *httptest.Server, c metricsCall) metricsAnswer {
	t.Helper()
	body := []byte(c.rawBody)
	if c.rawBody == "" {
		query, vars := c.query, c.variables
		if query == "" {
			query = metricsQuery
		}
		if vars == nil {
			vars = validVariables
		}
		var err error
		body, err = json.Marshal(map[string]any{"query": query, "variables": vars})
		require.NoError(t, err)
	}
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, srv.URL+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ForgeMetricsExportServer/1.0.0")
	if !c.noOptIn {
		req.Header.Set("X-ExperimentalApi", "ForgeMetricsQuery")
	}
	if !c.noAuth {
		user, pass := c.user, c.pass
		if user == "" {
			user, pass = "u@example.com", "tok"
		}
		req.SetBasicAuth(user, pass)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return metricsAnswer{status: resp.StatusCode, header: resp.Header, body: b}
}

func TestMetricsContractRefusals(t *testing.T) {
	_, srv, _ := newMetricsServer(t, Config{})
	app := "ari:cloud:ecosystem::app/app-1"
	envA := []string{"env-a"}
	tests := []struct {
		name        string
		call        metricsCall
		httpStatus  int
		queryStatus int    // a QueryError's statusCode
		errorType   string // and errorType
		graphQL     string // a fragment of a top-level GraphQL error
	}{
		{name: "valid", call: metricsCall{}, httpStatus: 200},
		{name: "no credentials", call: metricsCall{noAuth: true}, httpStatus: 200, queryStatus: 401, errorType: "UNAUTHENTICATED"},
		{name: "wrong token", call: metricsCall{user: "u@example.com", pass: "nope"}, httpStatus: 200, queryStatus: 401, errorType: "UNAUTHENTICATED"},
		{name: "token of another account", call: metricsCall{user: "other@example.com", pass: "tok"}, httpStatus: 200, queryStatus: 401, errorType: "UNAUTHENTICATED"},
		{name: "second account", call: metricsCall{user: "other@example.com", pass: "tok2"}, httpStatus: 200},
		{name: "GET", call: metricsCall{method: http.MethodGet}, httpStatus: 405},
		{name: "body not JSON", call: metricsCall{rawBody: "query=x"}, httpStatus: 400, graphQL: "Invalid GraphQL request"},
		{name: "no experimental opt-in", call: metricsCall{noOptIn: true}, httpStatus: 200, graphQL: "X-ExperimentalApi: ForgeMetricsQuery"},
		{name: "another operation", call: metricsCall{query: strings.Replace(metricsQuery, "Ecosystem(", "Other(", 1)}, httpStatus: 200, graphQL: "Validation error"},
		{name: "QueryError not selected", call: metricsCall{query: strings.Replace(metricsQuery, "... on QueryError", "... on Other", 1)}, httpStatus: 200, graphQL: "Validation error"},
		{name: "unknown input field", call: metricsCall{variables: map[string]any{"appId": app, "query": map[string]any{"filter": map[string]any{}}}}, httpStatus: 200, graphQL: "Variables are invalid"},
		{name: "no appId", call: metricsCall{variables: map[string]any{"query": validVariables["query"]}}, httpStatus: 200, graphQL: "appId"},
		{name: "no interval", call: metricsCall{variables: map[string]any{"appId": app, "query": map[string]any{"filters": map[string]any{"environments": envA}}}}, httpStatus: 200, graphQL: "interval"},
		{name: "unknown metric", call: metricsCall{variables: variables(app, envA, at(-30*time.Minute), at(-15*time.Minute), "FORGE_BACKEND_INVOCATION_COUNT", "FORGE_NOPE")}, httpStatus: 200, graphQL: "'FORGE_NOPE'"},
		{name: "bare app id", call: metricsCall{variables: variables("app-1", envA, at(-30*time.Minute), at(-15*time.Minute))}, httpStatus: 200, queryStatus: 400, errorType: "BAD_REQUEST"},
		{name: "unknown app", call: metricsCall{variables: variables("ari:cloud:ecosystem::app/app-9", envA, at(-30*time.Minute), at(-15*time.Minute))}, httpStatus: 200, queryStatus: 404, errorType: "NOT_FOUND"},
		{name: "environment of another app", call: metricsCall{variables: variables(app, []string{"env-a", "env-c"}, at(-30*time.Minute), at(-15*time.Minute))}, httpStatus: 200, queryStatus: 404, errorType: "NOT_FOUND"},
		{name: "no environment", call: metricsCall{variables: variables(app, []string{}, at(-30*time.Minute), at(-15*time.Minute))}, httpStatus: 200, queryStatus: 400, errorType: "BAD_REQUEST"},
		{name: "interval of exactly 15 minutes", call: metricsCall{variables: variables(app, envA, at(-20*time.Minute), at(-5*time.Minute))}, httpStatus: 200},
		{name: "interval over 15 minutes", call: metricsCall{variables: variables(app, envA, at(-20*time.Minute-time.Millisecond), at(-5*time.Minute))}, httpStatus: 200, queryStatus: 400, errorType: "BAD_REQUEST"},
		{name: "start exactly 14 days back", call: metricsCall{variables: variables(app, envA, at(-14*24*time.Hour), at(-14*24*time.Hour+15*time.Minute))}, httpStatus: 200},
		{name: "start older than 14 days", call: metricsCall{variables: variables(app, envA, at(-14*24*time.Hour-time.Millisecond), at(-14*24*time.Hour+10*time.Minute))}, httpStatus: 200, queryStatus: 400, errorType: "BAD_REQUEST"},
		{name: "end before start", call: metricsCall{variables: variables(app, envA, at(-10*time.Minute), at(-11*time.Minute))}, httpStatus: 200, queryStatus: 400, errorType: "BAD_REQUEST"},
		{name: "date without milliseconds", call: metricsCall{variables: variables(app, envA, "2026-11-24T11:00:00Z", at(-50*time.Minute))}, httpStatus: 200, queryStatus: 400, errorType: "BAD_REQUEST"},
		{name: "date not in UTC", call: metricsCall{variables: variables(app, envA, "2026-11-24T11:00:00.000+01:00", at(-50*time.Minute))}, httpStatus: 200, queryStatus: 400, errorType: "BAD_REQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, srv, tt.call)
			require.Equal(t, tt.httpStatus, a.status, string(a.body))
			if tt.httpStatus == http.StatusMethodNotAllowed {
				return
			}
			status, errorType := a.queryError(t)
			assert.Equal(t, tt.queryStatus, status, string(a.body))
			assert.Equal(t, tt.errorType, errorType)
			errs := a.graphQLErrors(t)
			if tt.graphQL == "" {
				assert.Empty(t, errs)
			} else {
				require.Len(t, errs, 1)
				assert.Contains(t, errs[0], tt.graphQL)
			}
			if tt.queryStatus == 0 && tt.graphQL == "" {
				a.metrics(t) // a valid OTLP/JSON answer
			}
		})
	}
}

func TestMetricsLimitIsPerAccountAcrossApps(t *testing.T) {
	sim, srv, clk := newMetricsServer(t, Config{MetricsRequestsPerMinute: 5})
	app2 := variables("ari:cloud:ecosystem::app/app-2", []string{"env-c"}, at(-30*time.Minute), at(-15*time.Minute))
	// Five calls of one account over two apps, two of them refused by the API: all count.
	for _, c := range []metricsCall{{}, {variables: app2}, {}, {variables: variables("ari:cloud:ecosystem::app/app-9", []string{"x"}, at(-30*time.Minute), at(-15*time.Minute))}, {query: "{ nope }"}} {
		require.Equal(t, http.StatusOK, post(t, srv, c).status)
		clk.Advance(time.Second)
	}
	throttled := post(t, srv, metricsCall{variables: app2})
	assert.Equal(t, http.StatusTooManyRequests, throttled.status)
	// The first call was 5s ago: its slot frees 55s from now.
	assert.Equal(t, "56", throttled.header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, post(t, srv, metricsCall{user: "other@example.com", pass: "tok2"}).status, "another account has its own budget")

	clk.Advance(55 * time.Second)
	assert.Equal(t, http.StatusOK, post(t, srv, metricsCall{}).status, "a minute after the first call")
	assert.Equal(t, http.StatusTooManyRequests, post(t, srv, metricsCall{}).status)

	var statuses []int
	for _, r := range sim.Requests() {
		assert.Equal(t, "metrics", r.API)
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{200, 200, 200, 200, 200, 429, 200, 200, 429}, statuses)
}

func TestMetricsLimitCountsRefusedCredentials(t *testing.T) {
	_, srv, _ := newMetricsServer(t, Config{MetricsRequestsPerMinute: 2})
	for range 2 {
		a := post(t, srv, metricsCall{user: "u@example.com", pass: "wrong"})
		status, _ := a.queryError(t)
		require.Equal(t, http.StatusUnauthorized, status)
	}
	assert.Equal(t, http.StatusTooManyRequests, post(t, srv, metricsCall{}).status)
}

func TestMetricsLimitOff(t *testing.T) {
	_, srv, _ := newMetricsServer(t, Config{})
	for range 12 {
		require.Equal(t, http.StatusOK, post(t, srv, metricsCall{}).status)
	}
}

func TestMetricsAnswersAreDeterministic(t *testing.T) {
	vars := variables("ari:cloud:ecosystem::app/app-1", []string{"env-b", "env-a"}, at(-3*time.Hour), at(-3*time.Hour+15*time.Minute))
	_, srv1, clk := newMetricsServer(t, Config{})
	first := post(t, srv1, metricsCall{variables: vars})
	require.Equal(t, http.StatusOK, first.status)
	clk.Advance(time.Hour) // a window in the past does not change as time goes on
	again := post(t, srv1, metricsCall{variables: vars})
	_, srv2, _ := newMetricsServer(t, Config{Seed: 99})
	other := post(t, srv2, metricsCall{variables: vars})
	assert.Equal(t, first.body, again.body)
	assert.Equal(t, first.body, other.body, "another simulator with the same apps and origin")
	assert.Greater(t, len(first.body), 10000)
}

func TestMetricsAnswerShape(t *testing.T) {
	_, srv, _ := newMetricsServer(t, Config{})
	md := post(t, srv, metricsCall{}).metrics(t)
	require.Equal(t, 1, md.ResourceMetrics().Len())
	rm := md.ResourceMetrics().At(0)
	assert.Equal(t, 0, rm.Resource().Attributes().Len(), "resource {}")
	require.Equal(t, 1, rm.ScopeMetrics().Len())
	assert.Empty(t, rm.ScopeMetrics().At(0).Scope().Name(), "scopeMetrics without scope")
	ms := rm.ScopeMetrics().At(0).Metrics()
	require.Equal(t, len(metricDefs), ms.Len(), "no metrics filter asks for all")
	for i, d := range metricDefs {
		m := ms.At(i)
		assert.Equal(t, d.name, m.Name())
		assert.Equal(t, strings.ToLower(d.enum), m.Name())
		switch d.kind {
		case deltaSum:
			require.Equal(t, pmetric.MetricTypeSum, m.Type(), d.name)
			assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
			assert.True(t, m.Sum().IsMonotonic())
			assert.Equal(t, pmetric.NumberDataPointValueTypeInt, m.Sum().DataPoints().At(0).ValueType())
		case cumulativeSum:
			require.Equal(t, pmetric.MetricTypeSum, m.Type(), d.name)
			assert.Equal(t, pmetric.AggregationTemporalityCumulative, m.Sum().AggregationTemporality())
			assert.True(t, m.Sum().IsMonotonic())
			assert.Equal(t, pmetric.NumberDataPointValueTypeInt, m.Sum().DataPoints().At(0).ValueType())
		case gaugeDouble:
			require.Equal(t, pmetric.MetricTypeGauge, m.Type(), d.name)
			assert.Equal(t, pmetric.NumberDataPointValueTypeDouble, m.Gauge().DataPoints().At(0).ValueType())
		case gaugeInt:
			require.Equal(t, pmetric.MetricTypeGauge, m.Type(), d.name)
			assert.Equal(t, pmetric.NumberDataPointValueTypeInt, m.Gauge().DataPoints().At(0).ValueType())
		case histogram:
			require.Equal(t, pmetric.MetricTypeHistogram, m.Type(), d.name)
			assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Histogram().AggregationTemporality())
		}
	}
}

// TestMetricsPointsOfOneWindow checks the points of the window [11:30, 11:45) against values
// worked out by hand from the rules: buckets [m, m+60s) stamped m+60s for m = 11:30..11:44,
// samples at m = 11:31..11:45, and the latency histograms counting the invocations of their bucket.
func TestMetricsPointsOfOneWindow(t *testing.T) {
	origin := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	_, srv, _ := newMetricsServer(t, Config{Origin: origin})
	start, end := time.Date(2026, 11, 24, 11, 30, 0, 0, time.UTC), time.Date(2026, 11, 24, 11, 45, 0, 0, time.UTC)
	md := post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-1", []string{"env-a"}, start.Format(dateLayout), end.Format(dateLayout),
		"FORGE_BACKEND_INVOCATION_COUNT", "FORGE_BACKEND_INVOCATION_LATENCY", "CONTAINER_CPU_USAGE_PERCENTAGE", "CONTAINER_STATUS_RESTARTS_TOTAL", "CONTAINER_UPTIME_SECONDS")}).metrics(t)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, []string{"forge_backend_invocation_count", "forge_backend_invocation_latency", "container_cpu_usage_percentage", "container_uptime_seconds", "container_status_restarts_total"}, metricNames(ms))
	ts := func(h, m int) pcommon.Timestamp {
		return pcommon.NewTimestampFromTime(time.Date(2026, 11, 24, h, m, 0, 0, time.UTC))
	}

	count := ms.At(0).Sum().DataPoints()
	require.Equal(t, 15*len(functions), count.Len(), "15 buckets per function")
	invocations := map[[2]any]int64{}
	for i := 0; i < count.Len(); i++ {
		dp := count.At(i)
		fn, _ := dp.Attributes().Get("functionKey")
		env, _ := dp.Attributes().Get("environmentId")
		assert.Equal(t, "env-a", env.Str())
		assert.Equal(t, dp.StartTimestamp()+pcommon.Timestamp(time.Minute), dp.Timestamp())
		invocations[[2]any{fn.Str(), dp.Timestamp()}] = dp.IntValue()
		assert.GreaterOrEqual(t, dp.IntValue(), int64(5))
	}
	assert.Equal(t, ts(11, 30), count.At(0).StartTimestamp(), "first bucket [11:30, 11:31)")
	assert.Equal(t, ts(11, 31), count.At(0).Timestamp())
	assert.Equal(t, ts(11, 45), count.At(14).Timestamp(), "last bucket [11:44, 11:45)")

	latency := ms.At(1).Histogram().DataPoints()
	require.Equal(t, 15*len(functions), latency.Len())
	for i := 0; i < latency.Len(); i++ {
		dp := latency.At(i)
		fn, _ := dp.Attributes().Get("functionKey")
		assert.Equal(t, uint64(invocations[[2]any{fn.Str(), dp.Timestamp()}]), dp.Count(), "latency counts the bucket's invocations")
		var total uint64
		for _, c := range dp.BucketCounts().AsRaw() {
			total += c
		}
		assert.Equal(t, dp.Count(), total)
		assert.Equal(t, LatencyBounds, dp.ExplicitBounds().AsRaw())
		assert.LessOrEqual(t, dp.Min(), dp.Max())
	}

	cpu := ms.At(2).Gauge().DataPoints()
	require.Equal(t, 15, cpu.Len())
	assert.Equal(t, ts(11, 31), cpu.At(0).Timestamp(), "the sample at 11:30 belongs to the window before")
	assert.Equal(t, ts(11, 45), cpu.At(14).Timestamp())
	assert.Zero(t, cpu.At(0).StartTimestamp())

	restarts := ms.At(4).Sum().DataPoints()
	require.Equal(t, 15, restarts.Len())
	assert.Equal(t, ts(10, 0), restarts.At(0).StartTimestamp(), "cumulative since the origin")
	// 91 minutes after the origin at 11:31: two restarts, at 10:37 and 11:14; the third at 11:51.
	assert.Equal(t, int64(2), restarts.At(0).IntValue())
	assert.Equal(t, int64(2), restarts.At(14).IntValue())

	uptime := ms.At(3).Gauge().DataPoints()
	assert.Equal(t, float64(17*60), uptime.At(0).DoubleValue(), "11:31 is 17 minutes after the restart at 11:14")
}

func TestMetricsFilters(t *testing.T) {
	sim, srv, _ := newMetricsServer(t, Config{})
	start, end := metricsNow.Add(-40*time.Minute), metricsNow.Add(-25*time.Minute)
	envs := []string{"env-b", "env-a"}
	enums := []string{"CONTAINER_MEMORY_USAGE_PERCENTAGE", "FORGE_BACKEND_INVOCATION_ERRORS"}
	md := post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-1", envs, start.Format(dateLayout), end.Format(dateLayout), enums...)}).metrics(t)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, 2, ms.Len())
	assert.Equal(t, "forge_backend_invocation_errors", ms.At(0).Name(), "answers list metrics in the API's order")
	assert.Equal(t, "container_memory_usage_percentage", ms.At(1).Name())

	got := pointKeys(t, md, start, end)
	want := map[string]int{}
	for _, p := range sim.VisiblePoints("app-1", envs, enums, start, end) {
		want[p.Key()]++
	}
	assert.Equal(t, want, got)
	assert.Len(t, want, 2*(15*len(functions)+15), "two environments, 15 minutes")
}

func metricNames(ms pmetric.MetricSlice) []string {
	var out []string
	for i := 0; i < ms.Len(); i++ {
		out = append(out, ms.At(i).Name())
	}
	return out
}

// pointKeys returns the MetricPoint keys of md's points, checking that each lies in (start, end].
func pointKeys(t *testing.T, md pmetric.Metrics, start, end time.Time) map[string]int {
	t.Helper()
	keys := map[string]int{}
	add := func(name string, attrs pcommon.Map, ts pcommon.Timestamp) {
		at := ts.AsTime()
		assert.True(t, at.After(start) && !at.After(end), "%s at %v outside (%v, %v]", name, at, start, end)
		env, ok := attrs.Get("environmentId")
		assert.True(t, ok, "every point names its environment")
		fn, _ := attrs.Get("functionKey")
		keys[MetricPoint{Metric: name, EnvironmentID: env.Str(), FunctionKey: fn.Str(), TimeUnixNano: int64(ts)}.Key()]++
	}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				switch m.Type() {
				case pmetric.MetricTypeSum:
					for l := 0; l < m.Sum().DataPoints().Len(); l++ {
						add(m.Name(), m.Sum().DataPoints().At(l).Attributes(), m.Sum().DataPoints().At(l).Timestamp())
					}
				case pmetric.MetricTypeGauge:
					for l := 0; l < m.Gauge().DataPoints().Len(); l++ {
						add(m.Name(), m.Gauge().DataPoints().At(l).Attributes(), m.Gauge().DataPoints().At(l).Timestamp())
					}
				case pmetric.MetricTypeHistogram:
					for l := 0; l < m.Histogram().DataPoints().Len(); l++ {
						add(m.Name(), m.Histogram().DataPoints().At(l).Attributes(), m.Histogram().DataPoints().At(l).Timestamp())
					}
				default:
					t.Fatalf("unexpected metric type %v", m.Type())
				}
			}
		}
	}
	return keys
}

// TestMetricsBackToBackWindowsServeEachPointOnce walks an hour in 15-minute windows: together they
// serve every point of the hour exactly once.
func TestMetricsBackToBackWindowsServeEachPointOnce(t *testing.T) {
	sim, srv, _ := newMetricsServer(t, Config{})
	from := metricsNow.Add(-2 * time.Hour)
	got := map[string]int{}
	for w := from; w.Before(from.Add(time.Hour)); w = w.Add(15 * time.Minute) {
		md := post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-1", []string{"env-a", "env-b"}, w.Format(dateLayout), w.Add(15*time.Minute).Format(dateLayout))}).metrics(t)
		for k, n := range pointKeys(t, md, w, w.Add(15*time.Minute)) {
			got[k] += n
		}
	}
	want := map[string]int{}
	for _, p := range sim.VisiblePoints("ari:cloud:ecosystem::app/app-1", []string{"env-a", "env-b"}, nil, from, from.Add(time.Hour)) {
		want[p.Key()]++
	}
	assert.Equal(t, want, got)
	for k, n := range want {
		require.Equal(t, 1, n, k)
	}
}

func TestMetricsServeNothingBeforeTheOriginOrAfterNow(t *testing.T) {
	origin := metricsNow.Add(-10 * time.Minute)
	sim, srv, _ := newMetricsServer(t, Config{Origin: origin.Add(30 * time.Second)})
	// The window [11:45, 12:00) reaches back before the origin (11:50:30, whose minute is 11:50).
	md := post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-1", []string{"env-a"}, at(-15*time.Minute), at(0), "CONTAINER_CPU_USAGE_PERCENTAGE", "FORGE_API_REQUEST_COUNT")}).metrics(t)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	// Buckets [11:50, 11:51) to [11:59, 12:00): 10; samples at 11:50 to 12:00: 11.
	assert.Equal(t, 10, ms.At(0).Sum().DataPoints().Len())
	assert.Equal(t, 11, ms.At(1).Gauge().DataPoints().Len())

	// A window that ends in the future holds only what has happened: samples up to 12:00.
	md = post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-1", []string{"env-a"}, at(-5*time.Minute), at(10*time.Minute), "CONTAINER_CPU_USAGE_PERCENTAGE")}).metrics(t)
	assert.Equal(t, 5, md.DataPointCount())
	assert.Len(t, sim.VisiblePoints("app-1", []string{"env-a"}, []string{"CONTAINER_CPU_USAGE_PERCENTAGE"}, metricsNow.Add(-5*time.Minute), metricsNow.Add(10*time.Minute)), 15,
		"VisiblePoints ignores the clock")

	// Nothing at all: an empty resourceMetrics.
	empty := post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-1", []string{"env-a"}, at(time.Hour), at(time.Hour+time.Minute))})
	assert.JSONEq(t, `{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"resourceMetrics":[]}}}}}`, string(empty.body))
}

func TestVisiblePointsOfUnknownThings(t *testing.T) {
	sim, _, _ := newMetricsServer(t, Config{})
	start := metricsNow.Add(-time.Hour)
	assert.Empty(t, sim.VisiblePoints("app-9", []string{"env-a"}, nil, start, metricsNow))
	assert.Empty(t, sim.VisiblePoints("app-1", []string{"env-c"}, nil, start, metricsNow))
	assert.Empty(t, sim.VisiblePoints("app-1", []string{"env-a"}, []string{"FORGE_NOPE"}, start, metricsNow))
	assert.Len(t, sim.VisiblePoints("app-1", []string{"env-a", "env-a"}, []string{"SERVICE_INSTANCE_COUNT"}, start, metricsNow), 60)
}

func TestMetricsFaults(t *testing.T) {
	t.Run("server errors", func(t *testing.T) {
		sim, srv, _ := newMetricsServer(t, Config{Faults: Faults{ServerErrorRate: 1}})
		assert.Equal(t, http.StatusInternalServerError, post(t, srv, metricsCall{}).status)
		assert.Equal(t, "server_error", sim.Requests()[0].Fault)
	})
	t.Run("throttling", func(t *testing.T) {
		_, srv, _ := newMetricsServer(t, Config{Faults: Faults{ThrottleRate: 1}})
		a := post(t, srv, metricsCall{})
		assert.Equal(t, http.StatusTooManyRequests, a.status)
		assert.Equal(t, "1", a.header.Get("Retry-After"))
	})
	t.Run("truncated bodies", func(t *testing.T) {
		sim, srv, _ := newMetricsServer(t, Config{Faults: Faults{TruncateRate: 1}})
		a := post(t, srv, metricsCall{})
		assert.Equal(t, http.StatusOK, a.status)
		assert.False(t, json.Valid(a.body))
		assert.Equal(t, "truncated", sim.Requests()[0].Fault)
	})
	t.Run("resets", func(t *testing.T) {
		_, srv, _ := newMetricsServer(t, Config{Faults: Faults{ResetRate: 1}})
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{}`))
		require.NoError(t, err)
		req.SetBasicAuth("u@example.com", "tok")
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		assert.Error(t, err)
	})
}

func TestRequestLogRecordsBothAPIs(t *testing.T) {
	sim, srv, _ := newMetricsServer(t, Config{})
	post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-1", []string{"env-a", "env-b"}, at(-30*time.Minute), at(-15*time.Minute), "FORGE_API_REQUEST_COUNT")})
	post(t, srv, metricsCall{variables: variables("ari:cloud:ecosystem::app/app-9", []string{"env-a"}, at(-30*time.Minute), at(-15*time.Minute))})
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/app/logs/app-1?environmentId=env-a&startDate="+at(-time.Hour)+"&endDate="+at(0), http.NoBody)
	require.NoError(t, err)
	req.SetBasicAuth("u@example.com", "tok")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body) // the entry is logged before the body ends
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	requests := sim.Requests()
	require.Len(t, requests, 3)
	assert.Equal(t, Request{
		Time: metricsNow, API: "metrics", Account: "u@example.com", AppID: "app-1",
		Environments: []string{"env-a", "env-b"}, Metrics: []string{"FORGE_API_REQUEST_COUNT"},
		Start: metricsNow.Add(-30 * time.Minute), End: metricsNow.Add(-15 * time.Minute), Status: 200,
	}, requests[0])
	assert.Equal(t, 404, requests[1].QueryStatus)
	assert.Equal(t, "NOT_FOUND", requests[1].QueryError)
	assert.Equal(t, "app-9", requests[1].AppID)
	assert.Equal(t, "logs", requests[2].API)
	assert.Equal(t, "u@example.com", requests[2].Account)
	assert.Equal(t, "env-a", requests[2].EnvironmentID)

	resp, err = srv.Client().Get(srv.URL + "/_sim/requests")
	require.NoError(t, err)
	defer resp.Body.Close()
	var logged []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&logged))
	require.Len(t, logged, 3)
	assert.Equal(t, "metrics", logged[1]["api"])
	assert.Equal(t, float64(404), logged[1]["query_status"])
	assert.Equal(t, []any{"env-a"}, logged[1]["environments"])
	assert.NotContains(t, logged[2], "query_status", "logs entries keep their shape")
}
