package metricsapi

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

var update = flag.Bool("update", false, "rewrite the expected golden files")

const testAppID = "0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"

var (
	testScope = Scope{Name: "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver", Version: "0.1.0"}
	at10      = time.Date(2024, 2, 13, 10, 0, 0, 0, time.UTC)
)

func minute(m int) time.Time { return at10.Add(time.Duration(m) * time.Minute) }

func readAnswer(t testing.TB, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "answers", name))
	require.NoError(t, err)
	return body
}

func TestDecodeGolden(t *testing.T) {
	tests := []struct {
		answer    string
		window    Window
		drops     Drops
		delivered int
	}{
		{
			// Kept: t == end (10:03) and everything after start. Dropped as outside: the bucket
			// stamped 10:00 and the sample at 10:00 (t == start belongs to the window before).
			// Dropped as unknown: the point of env-other and the latency point without environmentId.
			answer: "sample.json",
			window: Window{
				Start: minute(0), End: minute(3), ServiceName: "my-forge-app", AppID: AppARI(testAppID),
				Environments: []Environment{{ID: "env-prod", Name: "production"}, {ID: "env-staging"}},
				Scope:        testScope,
			},
			drops:     Drops{OutsideWindow: 2, UnknownEnvironment: 2},
			delivered: 11,
		},
		{
			// Several resources and scopes merge per environment; a sum with another temporality
			// stays a metric of its own; env-c has no point and so no resource; the memory sample
			// at 10:16 and the one without timeUnixNano are outside; an integer environmentId is unknown.
			answer: "mixed.json",
			window: Window{
				Start: minute(0), End: minute(15), AppID: testAppID,
				Environments: []Environment{{ID: "env-a", Name: "production"}, {ID: "env-b"}, {ID: "env-c", Name: "staging"}},
				Scope:        testScope,
			},
			drops:     Drops{OutsideWindow: 2, UnknownEnvironment: 1},
			delivered: 8,
		},
		{
			answer: "empty.json",
			window: Window{Start: minute(0), End: minute(15), AppID: testAppID, Environments: []Environment{{ID: "env-a"}}, Scope: testScope},
		},
	}
	for _, tt := range tests {
		t.Run(tt.answer, func(t *testing.T) {
			metrics, drops, err := Decode(readAnswer(t, tt.answer), tt.window)
			require.NoError(t, err)
			assert.Equal(t, tt.drops, drops)
			assert.Equal(t, tt.delivered, metrics.DataPointCount())

			expectedFile := filepath.Join("testdata", "expected", strings.TrimSuffix(tt.answer, ".json")+".yaml")
			if *update {
				// Written as decoded: golden.WriteMetrics would sort resources and rewrite
				// timestamps, the two things these files exist to check.
				b, err := golden.MarshalMetricsYAML(metrics)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(expectedFile, b, 0o600))
				t.Logf("wrote %s; read the diff before committing it", expectedFile)
			}
			expected, err := golden.ReadMetrics(expectedFile)
			require.NoError(t, err)
			require.NoError(t, pmetrictest.CompareMetrics(expected, metrics))
		})
	}
}

// TestDecodeSample checks the sample's mapping with values written out here, independently of the
// golden file.
func TestDecodeSample(t *testing.T) {
	metrics, _, err := Decode(readAnswer(t, "sample.json"), Window{
		Start: minute(0), End: minute(3), ServiceName: "my-forge-app", AppID: testAppID,
		Environments: []Environment{{ID: "env-prod", Name: "production"}, {ID: "env-staging"}},
		Scope:        testScope,
	})
	require.NoError(t, err)
	rms := metrics.ResourceMetrics()
	require.Equal(t, 2, rms.Len())
	assert.Equal(t, map[string]any{
		"service.name": "my-forge-app", "forge.app.id": testAppID,
		"forge.environment.id": "env-prod", "deployment.environment.name": "production",
	}, rms.At(0).Resource().Attributes().AsRaw())
	assert.Equal(t, map[string]any{
		"service.name": "my-forge-app", "forge.app.id": testAppID, "forge.environment.id": "env-staging",
	}, rms.At(1).Resource().Attributes().AsRaw(), "no deployment.environment.name without a name")

	require.Equal(t, 1, rms.At(0).ScopeMetrics().Len())
	sm := rms.At(0).ScopeMetrics().At(0)
	assert.Equal(t, testScope.Name, sm.Scope().Name())
	assert.Equal(t, "0.1.0", sm.Scope().Version())
	assert.Equal(t, []string{"forge_backend_invocation_count", "container_cpu_usage_percentage", "container_status_restarts_total", "forge_backend_invocation_latency"}, names(sm.Metrics()))
	assert.Equal(t, []string{"forge_backend_invocation_count", "forge_backend_invocation_errors", "container_cpu_usage_percentage"}, names(rms.At(1).ScopeMetrics().At(0).Metrics()))

	count := sm.Metrics().At(0)
	require.Equal(t, pmetric.MetricTypeSum, count.Type())
	assert.Equal(t, pmetric.AggregationTemporalityDelta, count.Sum().AggregationTemporality())
	assert.True(t, count.Sum().IsMonotonic())
	var values []int64
	for i := 0; i < count.Sum().DataPoints().Len(); i++ {
		dp := count.Sum().DataPoints().At(i)
		values = append(values, dp.IntValue())
		assert.Equal(t, dp.StartTimestamp()+pcommon.Timestamp(time.Minute), dp.Timestamp(), "60-second buckets")
		assert.Equal(t, map[string]any{"environmentId": "env-prod", "functionKey": "issuePanel"}, dp.Attributes().AsRaw())
	}
	assert.Equal(t, []int64{12, 7, 9}, values)

	restarts := sm.Metrics().At(2)
	assert.Equal(t, pmetric.AggregationTemporalityCumulative, restarts.Sum().AggregationTemporality())
	assert.True(t, restarts.Sum().IsMonotonic())

	latency := sm.Metrics().At(3).Histogram()
	assert.Equal(t, pmetric.AggregationTemporalityDelta, latency.AggregationTemporality())
	require.Equal(t, 1, latency.DataPoints().Len())
	assert.Equal(t, uint64(12), latency.DataPoints().At(0).Count())
	assert.Equal(t, []uint64{1, 3, 5, 2, 1}, latency.DataPoints().At(0).BucketCounts().AsRaw())
}

func names(ms pmetric.MetricSlice) []string {
	var out []string
	for i := 0; i < ms.Len(); i++ {
		out = append(out, ms.At(i).Name())
	}
	return out
}

func TestInWindow(t *testing.T) {
	// The window [10:00, 10:15); a point belongs to it when 10:00 < t <= 10:15.
	start, end := minute(0), minute(15)
	ts := func(tm time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(tm) }
	tests := []struct {
		name string
		t    pcommon.Timestamp
		want bool
	}{
		{"zero", 0, false},
		{"a minute before start", ts(minute(-1)), false},
		{"a nanosecond before start", ts(minute(0).Add(-1)), false},
		{"at start", ts(minute(0)), false},
		{"a nanosecond after start", ts(minute(0).Add(1)), true},
		{"end of the first bucket", ts(minute(1)), true},
		{"middle", ts(minute(7).Add(30 * time.Second)), true},
		{"a nanosecond before end", ts(minute(15).Add(-1)), true},
		{"at end: the bucket [10:14, 10:15)", ts(minute(15)), true},
		{"a nanosecond after end", ts(minute(15).Add(1)), false},
		{"end of the bucket [10:15, 10:16)", ts(minute(16)), false},
		{"beyond int64", pcommon.Timestamp(math.MaxUint64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, inWindow(tt.t, start, end))
		})
	}
}

// gaugeAnswer renders a gauge with one point per time, all of env, as the API would send it.
func gaugeAnswer(env string, times ...pcommon.Timestamp) []byte {
	var b strings.Builder
	b.WriteString(`{"resourceMetrics":[{"resource":{},"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[`)
	for i, t := range times {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"attributes":[{"key":"environmentId","value":{"stringValue":%q}}],"timeUnixNano":"%d","asInt":"%d"}`, env, uint64(t), i)
	}
	b.WriteString(`]}}]}]}]}`)
	return []byte(b.String())
}

func TestDecodeAppliesTheWindowRule(t *testing.T) {
	ts := func(tm time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(tm) }
	answer := gaugeAnswer("env", ts(minute(0)), ts(minute(0).Add(1)), ts(minute(15)), ts(minute(15).Add(1)), 0)
	metrics, drops, err := Decode(answer, Window{Start: minute(0), End: minute(15), AppID: testAppID, Environments: []Environment{{ID: "env"}}})
	require.NoError(t, err)
	assert.Equal(t, Drops{OutsideWindow: 3}, drops)
	dps := metrics.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints()
	require.Equal(t, 2, dps.Len())
	assert.Equal(t, ts(minute(0).Add(1)), dps.At(0).Timestamp())
	assert.Equal(t, ts(minute(15)), dps.At(1).Timestamp())
}

// TestBackToBackWindowsDeliverEachPointOnce decodes one answer that spans two windows and more, as
// overlapping answers would: each point is delivered by exactly one of the windows it falls in.
func TestBackToBackWindowsDeliverEachPointOnce(t *testing.T) {
	var times []pcommon.Timestamp
	for m := -2; m <= 32; m++ {
		times = append(times, pcommon.NewTimestampFromTime(minute(m)))
	}
	answer := gaugeAnswer("env", times...)
	seen := map[pcommon.Timestamp]int{}
	for _, w := range [][2]time.Time{{minute(0), minute(15)}, {minute(15), minute(30)}} {
		metrics, drops, err := Decode(answer, Window{Start: w[0], End: w[1], AppID: testAppID, Environments: []Environment{{ID: "env"}}})
		require.NoError(t, err)
		assert.Equal(t, len(times)-15, drops.OutsideWindow)
		dps := metrics.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			seen[dps.At(i).Timestamp()]++
		}
	}
	for m := -2; m <= 32; m++ {
		want := 0
		if m >= 1 && m <= 30 {
			want = 1
		}
		assert.Equal(t, want, seen[pcommon.NewTimestampFromTime(minute(m))], "point at 10:00%+d min", m)
	}
}

func TestDecodeResources(t *testing.T) {
	answer := gaugeAnswer("b", pcommon.NewTimestampFromTime(minute(1)))
	tests := []struct {
		name   string
		window Window
		want   []map[string]any
	}{
		{
			name:   "service name defaults to the bare app id",
			window: Window{AppID: AppARI(testAppID), Environments: []Environment{{ID: "b"}}},
			want:   []map[string]any{{"service.name": testAppID, "forge.app.id": testAppID, "forge.environment.id": "b"}},
		},
		{
			name:   "an environment listed twice gets one resource",
			window: Window{ServiceName: "svc", AppID: testAppID, Environments: []Environment{{ID: "b", Name: "prod"}, {ID: "b", Name: "again"}}},
			want:   []map[string]any{{"service.name": "svc", "forge.app.id": testAppID, "forge.environment.id": "b", "deployment.environment.name": "prod"}},
		},
		{
			name:   "environments without points get no resource",
			window: Window{ServiceName: "svc", AppID: testAppID, Environments: []Environment{{ID: "a"}, {ID: "b"}, {ID: "c"}}},
			want:   []map[string]any{{"service.name": "svc", "forge.app.id": testAppID, "forge.environment.id": "b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.window.Start, tt.window.End = minute(0), minute(15)
			metrics, _, err := Decode(answer, tt.window)
			require.NoError(t, err)
			var got []map[string]any
			for i := 0; i < metrics.ResourceMetrics().Len(); i++ {
				got = append(got, metrics.ResourceMetrics().At(i).Resource().Attributes().AsRaw())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeOrdersResourcesAsConfigured(t *testing.T) {
	// The answer lists env-z first; the configuration lists env-a first.
	answer := []byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[
		{"attributes":[{"key":"environmentId","value":{"stringValue":"env-z"}}],"timeUnixNano":"1707818460000000000","asDouble":1},
		{"attributes":[{"key":"environmentId","value":{"stringValue":"env-a"}}],"timeUnixNano":"1707818460000000000","asDouble":2}]}}]}]}]}`)
	metrics, _, err := Decode(answer, Window{Start: minute(0), End: minute(15), AppID: testAppID, Environments: []Environment{{ID: "env-a"}, {ID: "env-z"}}})
	require.NoError(t, err)
	require.Equal(t, 2, metrics.ResourceMetrics().Len())
	for i, want := range []string{"env-a", "env-z"} {
		id, _ := metrics.ResourceMetrics().At(i).Resource().Attributes().Get("forge.environment.id")
		assert.Equal(t, want, id.Str())
	}
}

func TestDecodeEmptyAnswers(t *testing.T) {
	w := Window{Start: minute(0), End: minute(15), AppID: testAppID, Environments: []Environment{{ID: "env"}}}
	for _, answer := range []string{`{"resourceMetrics":[]}`, `{"resourceMetrics":null}`, `{}`, `{"resourceMetrics":[{"resource":{},"scopeMetrics":[]}]}`} {
		metrics, drops, err := Decode([]byte(answer), w)
		require.NoError(t, err, answer)
		assert.Equal(t, 0, metrics.ResourceMetrics().Len(), answer)
		assert.Equal(t, Drops{}, drops, answer)
	}
}

func TestDecodeRefusesAnswersThatAreNotOTLP(t *testing.T) {
	w := Window{Start: minute(0), End: minute(15), AppID: testAppID, Environments: []Environment{{ID: "env"}}}
	for _, answer := range []string{
		``,
		`<html>`,
		`{"resourceMetrics":[`,
		`{"resourceMetrics":"x"}`,
		`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"soon"}]}}]}]}]}`,
		`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asInt":"1.5"}]}}]}]}]}`,
	} {
		_, _, err := Decode([]byte(answer), w)
		assert.ErrorIs(t, err, ErrMalformedAnswer, answer)
	}
}
