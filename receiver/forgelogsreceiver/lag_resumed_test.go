package forgelogsreceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// A stream resumed from its stored checkpoint and refused from its very first request has
// committed nothing in this process, yet it is behind by what the checkpoint says: its lag is
// measured from the stored position, and keeps growing while it retries.
func TestStreamResumedAndRefusedFromItsFirstRequestReportsItsLag(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	stored := h.start.Add(-time.Hour) // 4 hours back: not where a new stream would start
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{WindowStart: stored}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), 30*time.Minute)

	assert.Equal(t, checkpoint.State{WindowStart: stored}, h.committed(spec), "nothing was delivered, nothing committed")
	lag, err := h.tel.GetMetric("otelcol_forgelogs_checkpoint_lag")
	require.NoError(t, err, "the lag of a resumed stream is reported before its first commit")
	points := lag.Data.(metricdata.Gauge[float64]).DataPoints
	require.Len(t, points, 1)
	// Retried after 1, 2, 4, 5, 5... minutes: by the last retry, 15 minutes before the end, the
	// stream is over 4h15m behind its stored position.
	assert.GreaterOrEqual(t, points[0].Value, (4*time.Hour + 15*time.Minute).Seconds())
}
