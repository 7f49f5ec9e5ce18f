package forgelogsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

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
