package metricsapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

var simNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newSimClient(t *testing.T, cfg forgesim.Config, token string) (*forgesim.Server, *Client) {
	t.Helper()
	cfg.Email, cfg.Token = "u@example.com", "tok"
	cfg.Apps = map[string][]string{testAppID: {"env-prod", "env-staging"}}
	cfg.Origin = simNow.Add(-24 * time.Hour)
	cfg.Now = func() time.Time { return simNow }
	sim := forgesim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.Client(), srv.URL, "u@example.com", token, "", 0)
	require.NoError(t, err)
	return sim, c
}

// TestAgainstTheSimulator walks an hour in back-to-back 15-minute windows through the client and
// Decode: every point the simulator serves arrives exactly once, under its environment's resource.
func TestAgainstTheSimulator(t *testing.T) {
	sim, c := newSimClient(t, forgesim.Config{}, "tok")
	envs := []Environment{{ID: "env-prod", Name: "production"}, {ID: "env-staging"}}
	from := simNow.Add(-2 * time.Hour)
	got := map[string]int{}
	for start := from; start.Before(from.Add(time.Hour)); start = start.Add(15 * time.Minute) {
		q := Query{AppID: testAppID, EnvironmentIDs: []string{"env-prod", "env-staging"}, Metrics: forgesim.MetricNames(), Start: start, End: start.Add(15 * time.Minute)}
		answer, err := c.Fetch(context.Background(), q, &bytes.Buffer{})
		require.NoError(t, err)
		// The window is asked with bounds of its own, as a receiver does; the simulator's answer
		// already keeps to (start, end], so nothing is dropped.
		md, drops, err := Decode(answer, Window{Start: q.Start, End: q.End, AppID: testAppID, Environments: envs, Scope: testScope})
		require.NoError(t, err)
		assert.Equal(t, Drops{}, drops)
		require.Equal(t, 2, md.ResourceMetrics().Len())
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			env, _ := rm.Resource().Attributes().Get("forge.environment.id")
			assert.Equal(t, envs[i].ID, env.Str(), "resources in configured order")
			forEachMetricPoint(rm, func(name string, attrs pcommon.Map, ts pcommon.Timestamp) {
				pointEnv, _ := attrs.Get(EnvironmentIDAttribute)
				assert.Equal(t, env.Str(), pointEnv.Str())
				fn, _ := attrs.Get("functionKey")
				got[forgesim.MetricPoint{Metric: name, EnvironmentID: pointEnv.Str(), FunctionKey: fn.Str(), TimeUnixNano: int64(ts)}.Key()]++
			})
		}
	}
	want := map[string]int{}
	for _, p := range sim.VisiblePoints(testAppID, []string{"env-prod", "env-staging"}, nil, from, from.Add(time.Hour)) {
		want[p.Key()]++
	}
	require.NotEmpty(t, want)
	assert.Equal(t, want, got)
}

// TestOverlappingAnswersFromTheSimulator asks the simulator for windows that overlap by five
// minutes, as a receiver re-asking after a crash would: Decode, given the windows it means to
// deliver, still delivers every point once.
func TestOverlappingAnswersFromTheSimulator(t *testing.T) {
	sim, c := newSimClient(t, forgesim.Config{}, "tok")
	from := simNow.Add(-3 * time.Hour)
	got := map[string]int{}
	for start := from; start.Before(from.Add(30 * time.Minute)); start = start.Add(10 * time.Minute) {
		q := Query{AppID: AppARI(testAppID), EnvironmentIDs: []string{"env-prod"}, Metrics: []string{"CONTAINER_CPU_USAGE_PERCENTAGE", "FORGE_BACKEND_INVOCATION_COUNT"}, Start: start.Add(-5 * time.Minute), End: start.Add(10 * time.Minute)}
		answer, err := c.Fetch(context.Background(), q, &bytes.Buffer{})
		require.NoError(t, err)
		md, drops, err := Decode(answer, Window{Start: start, End: start.Add(10 * time.Minute), AppID: testAppID, Environments: []Environment{{ID: "env-prod"}}})
		require.NoError(t, err)
		assert.Equal(t, 5*(1+4), drops.OutsideWindow, "five minutes of one gauge and one sum over four functions")
		forEachMetricPoint(md.ResourceMetrics().At(0), func(name string, attrs pcommon.Map, ts pcommon.Timestamp) {
			fn, _ := attrs.Get("functionKey")
			got[fmt.Sprintf("%s|%s|%d", name, fn.Str(), ts)]++
		})
	}
	want := map[string]int{}
	for _, p := range sim.VisiblePoints(testAppID, []string{"env-prod"}, []string{"CONTAINER_CPU_USAGE_PERCENTAGE", "FORGE_BACKEND_INVOCATION_COUNT"}, from, from.Add(30*time.Minute)) {
		want[fmt.Sprintf("%s|%s|%d", p.Metric, p.FunctionKey, p.TimeUnixNano)]++
	}
	assert.Equal(t, want, got)
}

func TestSimulatorRefusalsReachTheCallerAsStatuses(t *testing.T) {
	ok := Query{AppID: testAppID, EnvironmentIDs: []string{"env-prod"}, Metrics: []string{"FORGE_API_REQUEST_COUNT"}, Start: simNow.Add(-30 * time.Minute), End: simNow.Add(-15 * time.Minute)}
	tests := []struct {
		name   string
		token  string
		edit   func(*Query)
		status int
		reason string
	}{
		{name: "bad token", token: "nope", status: http.StatusUnauthorized, reason: "UNAUTHENTICATED"},
		{name: "unknown app", edit: func(q *Query) { q.AppID = "ffffffff-0000-4000-8000-000000000000" }, status: http.StatusNotFound, reason: "NOT_FOUND"},
		{name: "unknown environment", edit: func(q *Query) { q.EnvironmentIDs = []string{"env-x"} }, status: http.StatusNotFound, reason: "env-x"},
		{name: "over 15 minutes", edit: func(q *Query) { q.Start = q.End.Add(-16 * time.Minute) }, status: http.StatusBadRequest, reason: "15 minutes"},
		{name: "older than 14 days", edit: func(q *Query) {
			q.Start, q.End = simNow.Add(-15*24*time.Hour), simNow.Add(-15*24*time.Hour+time.Minute)
		}, status: http.StatusBadRequest, reason: "14 days"},
		{name: "unknown metric", edit: func(q *Query) { q.Metrics = []string{"FORGE_NOPE"} }, status: http.StatusBadRequest, reason: "FORGE_NOPE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			if token == "" {
				token = "tok"
			}
			_, c := newSimClient(t, forgesim.Config{}, token)
			q := ok
			if tt.edit != nil {
				tt.edit(&q)
			}
			_, err := c.Fetch(context.Background(), q, &bytes.Buffer{})
			se, isStatus := apierror.AsStatusError(err)
			require.True(t, isStatus, "got %v", err)
			assert.Equal(t, tt.status, se.StatusCode)
			assert.Contains(t, se.Reason, tt.reason)
			assert.NotContains(t, err.Error(), token)
		})
	}
}

func TestSimulatorThrottlesTheAccount(t *testing.T) {
	_, c := newSimClient(t, forgesim.Config{MetricsRequestsPerMinute: 5}, "tok")
	q := Query{AppID: testAppID, EnvironmentIDs: []string{"env-prod"}, Start: simNow.Add(-30 * time.Minute), End: simNow.Add(-15 * time.Minute)}
	for range 5 {
		_, err := c.Fetch(context.Background(), q, &bytes.Buffer{})
		require.NoError(t, err)
	}
	_, err := c.Fetch(context.Background(), q, &bytes.Buffer{})
	se, ok := apierror.AsStatusError(err)
	require.True(t, ok, "got %v", err)
	assert.True(t, se.Throttled())
	assert.Equal(t, 61*time.Second, se.RetryAfter, "the clock stands still: the first slot frees in a minute")
}

func TestSimulatorTruncatedAnswersAreMalformed(t *testing.T) {
	_, c := newSimClient(t, forgesim.Config{Faults: forgesim.Faults{TruncateRate: 1}}, "tok")
	_, err := c.Fetch(context.Background(), Query{AppID: testAppID, EnvironmentIDs: []string{"env-prod"}, Start: simNow.Add(-30 * time.Minute), End: simNow.Add(-15 * time.Minute)}, &bytes.Buffer{})
	assert.ErrorIs(t, err, ErrMalformedAnswer)
}

func forEachMetricPoint(rm pmetric.ResourceMetrics, fn func(string, pcommon.Map, pcommon.Timestamp)) {
	ms := rm.ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		name := ms.At(i).Name()
		pointsOf(ms.At(i), func(attrs pcommon.Map, ts pcommon.Timestamp) { fn(name, attrs, ts) })
	}
}
