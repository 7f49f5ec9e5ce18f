package forgelogsreceiver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadatatest"
)

// requireMetricSum checks the total of an int sum over all its data points.
func requireMetricSum(t *testing.T, h *harness, name string, want int64) {
	t.Helper()
	m, err := h.tel.GetMetric(name)
	require.NoError(t, err)
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	require.Equal(t, want, total, name)
}

func requireMetricSumFloat(t *testing.T, h *harness, name string, want float64) {
	t.Helper()
	m, err := h.tel.GetMetric(name)
	require.NoError(t, err)
	var total float64
	for _, dp := range m.Data.(metricdata.Sum[float64]).DataPoints {
		total += dp.Value
	}
	require.InDelta(t, want, total, 1, name)
}

func TestStreamTelemetry(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 5*time.Minute)

	requests := int64(len(h.sim.Requests()))
	require.Positive(t, requests)
	app := attribute.String("app_id", testApp)
	stream := attribute.NewSet(app, attribute.String("environment_id", testEnv))
	metadatatest.AssertEqualForgelogsAPIRequests(t, h.tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app, attribute.Int("status_code", 200)), Value: requests},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgelogsPages(t, h.tel, []metricdata.DataPoint[int64]{
		{Attributes: stream, Value: requests},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgelogsRecordsReceived(t, h.tel, []metricdata.DataPoint[int64]{
		{Attributes: stream, Value: int64(sink.LogRecordCount())},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgelogsCheckpointLag(t, h.tel, []metricdata.DataPoint[float64]{
		{Attributes: stream},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreValue())
	lag, err := h.tel.GetMetric("otelcol_forgelogs_checkpoint_lag")
	require.NoError(t, err)
	// Caught up: the last window ended one delay (1m) before it was committed.
	assert.InDelta(t, 60, lag.Data.(metricdata.Gauge[float64]).DataPoints[0].Value, 5)
	// Back-to-back requests wait for the budget, 2.04s each at 30 a minute; after a poll
	// interval the budget has refilled and the first request goes at once.
	metadatatest.AssertEqualForgelogsRateLimitWait(t, h.tel, []metricdata.DataPoint[float64]{
		{Attributes: attribute.NewSet(app)},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreValue())
	wait, err := h.tel.GetMetric("otelcol_forgelogs_rate_limit_wait")
	require.NoError(t, err)
	waited := wait.Data.(metricdata.Sum[float64]).DataPoints[0].Value
	assert.Positive(t, waited)
	assert.LessOrEqual(t, waited, float64(requests-1)*2.04+0.01)

	accepted, err := h.tel.GetMetric("otelcol_receiver_accepted_log_records")
	require.NoError(t, err)
	assert.Equal(t, int64(sink.LogRecordCount()), accepted.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
}

// Records dropped while decoding are counted by reason; the rest of the page is delivered, with
// the receiver's scope, the stream's resource and the time the page was fetched.
func TestStreamCountsDropsAndStampsRecords(t *testing.T) {
	h := newHarness(t)
	ts := h.start.Add(time.Minute).UnixNano()
	record := func(id, extra string) string {
		return fmt.Sprintf(`{"timeUnixNano":"%d","severityText":"INFO","body":{"stringValue":"x"},"attributes":[{"key":"invocationId","value":{"stringValue":"%s"}}]%s}`, ts, id, extra)
	}
	page := `{"appLogs":[` + record("ok", "") + `,` + record("bad-trace", `,"traceId":"zz"`) + `,` +
		record("bad-span", `,"spanId":"12"`) + `,{"timeUnixNano":{"not":"a time"}},` + record("also-ok", "") + `]}`
	var fetchedAt atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("startDate") == h.start.Format("2006-01-02T15:04:05.000Z") && fetchedAt.Load() == nil {
			fetchedAt.Store(h.clock.Now())
			_, _ = w.Write([]byte(page))
			return
		}
		_, _ = w.Write([]byte(`{"appLogs":[]}`))
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(h.spec(testEnv), sink), 5*time.Minute)

	require.Equal(t, 4, sink.LogRecordCount())
	logs := sink.AllLogs()[0]
	rl := logs.ResourceLogs().At(0)
	attrs := rl.Resource().Attributes().AsRaw()
	assert.Equal(t, map[string]any{"service.name": testApp, "forge.app.id": testApp, "forge.environment.id": testEnv}, attrs)
	sl := rl.ScopeLogs().At(0)
	assert.Equal(t, "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", sl.Scope().Name())
	lr := sl.LogRecords().At(0)
	assert.Equal(t, fetchedAt.Load().(time.Time).UnixNano(), lr.ObservedTimestamp().AsTime().UnixNano())
	assert.Equal(t, ts, lr.Timestamp().AsTime().UnixNano())

	stream := func(reason string) attribute.Set {
		return attribute.NewSet(attribute.String("app_id", testApp), attribute.String("environment_id", testEnv), attribute.String("reason", reason))
	}
	metadatatest.AssertEqualForgelogsRecordsDropped(t, h.tel, []metricdata.DataPoint[int64]{
		{Attributes: stream("undecodable"), Value: 1},
		{Attributes: stream("invalid_trace_id"), Value: 1},
		{Attributes: stream("invalid_span_id"), Value: 1},
		{Attributes: stream("permanent_pipeline_error"), Value: 0},
	}, metricdatatest.IgnoreTimestamp())
}

// api_requests says which status each answer had; requests without answer count as 0.
func TestStreamCountsRequestsByStatus(t *testing.T) {
	h := newHarness(t, func(c *forgesim.Config) {
		c.Faults = forgesim.Faults{ServerErrorRate: 0.2, ThrottleRate: 0.1, ResetRate: 0.05}
	})
	h.runFor(h.newStream(h.spec(testEnv), &consumertest.LogsSink{}), 30*time.Minute)

	byStatus := map[int]int64{}
	for _, r := range h.loggedRequests(t) {
		byStatus[r.Status]++
	}
	require.Positive(t, byStatus[500])
	require.Positive(t, byStatus[429])
	require.Positive(t, byStatus[0], "connections reset without answer")
	var want []metricdata.DataPoint[int64]
	for status, n := range byStatus {
		want = append(want, metricdata.DataPoint[int64]{
			Attributes: attribute.NewSet(attribute.String("app_id", testApp), attribute.Int("status_code", status)), Value: n,
		})
	}
	metadatatest.AssertEqualForgelogsAPIRequests(t, h.tel, want, metricdatatest.IgnoreTimestamp())
}

// A stream the API keeps refusing falls behind, and its checkpoint lag says so while it retries.
func TestStreamLagGrowsWhileRefused(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	h.runFor(h.newStream(h.spec(testEnv), &consumertest.LogsSink{}), 30*time.Minute)

	lag, err := h.tel.GetMetric("otelcol_forgelogs_checkpoint_lag")
	require.NoError(t, err)
	got := lag.Data.(metricdata.Gauge[float64]).DataPoints[0].Value
	// The stream starts 3 hours back and stays there; by its last retry, 15 minutes before the end
	// (refusals are retried after 1, 2, 4, 5, 5... minutes), it is over 3h15m behind.
	assert.GreaterOrEqual(t, got, (3*time.Hour + 15*time.Minute).Seconds())
}
