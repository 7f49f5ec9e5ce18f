package usageapi

import (
	"flag"
	"os"
	"path/filepath"
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

var scope = Scope{Name: "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver", Version: "1.2.3"}

var goldenCases = map[string]Window{
	// A 3-hour window: the period at 08:00 lies after it, env-other is not polled.
	"by_environment": {
		Start: windowStart, End: windowStart.Add(2 * time.Hour), ServiceName: "my-app", AppID: "ari:cloud:ecosystem::app/app-1",
		Resource: "FUNCTION_COMPUTE", GroupBy: GroupByEnvironment,
		Environments: []Environment{{ID: "env-prod", Name: "production"}, {ID: "env-dev"}}, Scope: scope,
	},
	// The ONE_DAY period does not fit the hour window.
	"by_site": {
		Start: windowStart, End: windowEnd, AppID: "app-1", Resource: "SQL_REQUESTS", GroupBy: GroupBySite,
		Environments: []Environment{{ID: "env-prod", Name: "production"}}, Environment: "env-prod", Scope: scope,
	},
	"sample_flat": {
		Start: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 9, 2, 0, 0, 0, 0, time.UTC),
		AppID: "app-1", Resource: "FUNCTION_COMPUTE", Environments: []Environment{{ID: "env-prod"}}, Environment: "env-prod", Scope: scope,
	},
	"empty": {Start: windowStart, End: windowEnd, AppID: "app-1", Resource: "KVS_READ", GroupBy: GroupByEnvironment,
		Environments: []Environment{{ID: "env-prod"}}, Scope: scope},
}

func decodeFile(t *testing.T, name string, w Window) (pmetric.Metrics, Drops) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "answers", name+".json"))
	require.NoError(t, err)
	page, err := ParsePage(body)
	require.NoError(t, err)
	md, drops := Decode(page, w)
	return md, drops
}

func TestDecodeGolden(t *testing.T) {
	for name, w := range goldenCases {
		t.Run(name, func(t *testing.T) {
			md, _ := decodeFile(t, name, w)
			expectedFile := filepath.Join("testdata", "expected", name+".yaml")
			if *update {
				b, err := golden.MarshalMetricsYAML(md)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(expectedFile, b, 0o600))
			}
			expected, err := golden.ReadMetrics(expectedFile)
			require.NoError(t, err)
			require.NoError(t, pmetrictest.CompareMetrics(expected, md))
		})
	}
}

// The documentation's sample, mapped by hand from SPEC 11: one delta monotonic sum over the day
// 2025-09-01, 1.024 GB-seconds.
func TestDecodeDocumentedSample(t *testing.T) {
	md, drops := decodeFile(t, "sample_flat", goldenCases["sample_flat"])
	assert.Zero(t, drops.Total())
	require.Equal(t, 1, md.ResourceMetrics().Len())
	rm := md.ResourceMetrics().At(0)
	assert.Equal(t, map[string]any{"service.name": "app-1", "forge.app.id": "app-1", "forge.environment.id": "env-prod"}, rm.Resource().Attributes().AsRaw())
	sm := rm.ScopeMetrics().At(0)
	assert.Equal(t, scope.Name, sm.Scope().Name())
	assert.Equal(t, "1.2.3", sm.Scope().Version())
	m := sm.Metrics().At(0)
	assert.Equal(t, "forgeusage_function_compute", m.Name())
	assert.Equal(t, "GB-seconds", m.Unit())
	require.Equal(t, pmetric.MetricTypeSum, m.Type())
	assert.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
	assert.True(t, m.Sum().IsMonotonic())
	dp := m.Sum().DataPoints().At(0)
	assert.Equal(t, pmetric.NumberDataPointValueTypeDouble, dp.ValueType())
	assert.Equal(t, 1.024, dp.DoubleValue())
	assert.Equal(t, time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), dp.StartTimestamp().AsTime())
	assert.Equal(t, time.Date(2025, 9, 2, 0, 0, 0, 0, time.UTC), dp.Timestamp().AsTime())
	assert.Equal(t, map[string]any{ResourceAttribute: "FUNCTION_COMPUTE"}, dp.Attributes().AsRaw())
}

func TestDecodeByEnvironmentDropsWhatIsNotItsOwn(t *testing.T) {
	md, drops := decodeFile(t, "by_environment", goldenCases["by_environment"])
	assert.Equal(t, Drops{OutsideWindow: 1, UnknownEnvironment: 1}, drops)
	require.Equal(t, 2, md.ResourceMetrics().Len())
	prod, dev := md.ResourceMetrics().At(0), md.ResourceMetrics().At(1)
	assert.Equal(t, map[string]any{"service.name": "my-app", "forge.app.id": "app-1", "forge.environment.id": "env-prod", "deployment.environment.name": "production"},
		prod.Resource().Attributes().AsRaw())
	assert.Equal(t, map[string]any{"service.name": "my-app", "forge.app.id": "app-1", "forge.environment.id": "env-dev"},
		dev.Resource().Attributes().AsRaw())
	points := prod.ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	require.Equal(t, 2, points.Len())
	assert.Equal(t, 1.024, points.At(0).DoubleValue())
	assert.Equal(t, 12345678.5, points.At(1).DoubleValue())
	assert.Equal(t, pcommon.NewTimestampFromTime(windowStart.Add(time.Hour)), points.At(1).StartTimestamp(), "the offset form of 07:00")
	assert.Equal(t, 0.000125, dev.ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).DoubleValue())
}

func TestDecodeBySiteAddsTheSite(t *testing.T) {
	md, drops := decodeFile(t, "by_site", goldenCases["by_site"])
	assert.Equal(t, Drops{OutsideWindow: 1}, drops, "the ONE_DAY period spans more than the window")
	m := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
	assert.Equal(t, "forgeusage_sql_requests", m.Name())
	assert.Equal(t, "requests", m.Unit())
	points := m.Sum().DataPoints()
	require.Equal(t, 2, points.Len())
	assert.Equal(t, map[string]any{ResourceAttribute: "SQL_REQUESTS", SiteAttribute: "ari:cloud:jira::site/4eecb4e0"}, points.At(0).Attributes().AsRaw())
	assert.Equal(t, 120.0, points.At(0).DoubleValue())
	assert.Equal(t, map[string]any{ResourceAttribute: "SQL_REQUESTS", SiteAttribute: "ari:cloud:confluence::site/089a1455"}, points.At(1).Attributes().AsRaw())
}

// A period is delivered by the window that contains it, and by no other: back-to-back windows
// over one answer deliver each period once.
func TestBackToBackWindowsDeliverEachPeriodOnce(t *testing.T) {
	page := Page{Periods: []Period{
		{Start: windowStart, End: windowStart.Add(time.Hour), Groups: []Group{{Value: "env", Amount: 1, Unit: "u"}}},
		{Start: windowEnd, End: windowEnd.Add(time.Hour), Groups: []Group{{Value: "env", Amount: 2, Unit: "u"}}},
	}}
	w := Window{AppID: "a", Resource: "KVS_READ", GroupBy: GroupByEnvironment, Environments: []Environment{{ID: "env"}}}
	var total float64
	for start := windowStart.Add(-time.Hour); start.Before(windowEnd.Add(2 * time.Hour)); start = start.Add(time.Hour) {
		w.Start, w.End = start, start.Add(time.Hour)
		md, _ := Decode(page, w)
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			dps := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
			for j := 0; j < dps.Len(); j++ {
				total += dps.At(j).DoubleValue()
			}
		}
	}
	assert.Equal(t, 3.0, total)
}

// A period of a resolution without known bounds cannot be placed in a window: dropped.
func TestDecodeDropsAnUnknownResolution(t *testing.T) {
	page := Page{Periods: []Period{{Start: windowStart, Resolution: "ONE_FORTNIGHT", Groups: []Group{{Value: "env", Amount: 1}}}}}
	md, drops := Decode(page, Window{Start: windowStart, End: windowEnd, GroupBy: GroupByEnvironment, Environments: []Environment{{ID: "env"}}})
	assert.Equal(t, Drops{OutsideWindow: 1}, drops)
	assert.Zero(t, md.DataPointCount())
}

// Amounts in two units make two metrics of one name, never one metric of mixed units.
func TestDecodeKeepsUnitsApart(t *testing.T) {
	page := Page{Periods: []Period{{Start: windowStart, End: windowEnd, Groups: []Group{
		{Value: "env", Amount: 1, Unit: "GB-seconds"}, {Value: "env", Amount: 2, Unit: "MB-seconds"},
	}}}}
	md, _ := Decode(page, Window{Start: windowStart, End: windowEnd, Resource: "CONTAINER_MEMORY", GroupBy: GroupByEnvironment, Environments: []Environment{{ID: "env"}}})
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, 2, ms.Len())
	assert.Equal(t, "GB-seconds", ms.At(0).Unit())
	assert.Equal(t, "MB-seconds", ms.At(1).Unit())
	assert.Equal(t, ms.At(0).Name(), ms.At(1).Name())
}
