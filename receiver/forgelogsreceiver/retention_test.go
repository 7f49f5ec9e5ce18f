package forgelogsreceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap/zapcore"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// The log message of a span skipped past the 14-day limit, as the stream writes it.
const msgSkippingOldData = "Skipping data older than the API's 14-day limit; it can no longer be read"

// The skipped span is a warning, not a line among the informational ones.
func TestStreamWarnsOfTheSkippedSpan(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	old := h.clock.Now().Add(-20 * 24 * time.Hour)
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{WindowStart: old}))
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), time.Minute)

	entries := h.logs.FilterMessage(msgSkippingOldData).All()
	require.Len(t, entries, 1)
	assert.Equal(t, zapcore.WarnLevel, entries[0].Level)
	oldest := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC).Add(-14*24*time.Hour + retentionMargin)
	assert.Equal(t, oldest.Sub(old), entries[0].ContextMap()["skipped"])
}

func TestStreamMovesPastA400AtTheRetentionEdgeAndSaysSo(t *testing.T) {
	h := newHarness(t)
	var refused atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused.CompareAndSwap(false, true) {
			// The API's clock runs ahead: it already considers this start older than 14 days.
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"startDate must be within the last 14 days"}`))
			return
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	spec := h.spec(testEnv)
	now := h.clock.Now()
	edge := now.Add(-maxLookback + retentionMargin)
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{WindowStart: edge}))
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), 2*time.Minute)

	requests := h.sim.Requests()
	require.NotEmpty(t, requests)
	assert.Equal(t, now.Add(-maxLookback+time.Hour), requests[0].Start, "one window inside the limit")
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("14-day edge").Len())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("Skipping data older than the API's 14-day limit").Len())
	requireMetricSumFloat(t, h, "otelcol_forgelogs_skipped_span", (time.Hour - retentionMargin).Seconds())
}
