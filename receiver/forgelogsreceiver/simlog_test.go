package forgelogsreceiver

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// loggedRequests returns the simulator's request log once it holds every request the streams
// counted in api_requests. The simulator logs a connection it resets only after closing it, so a
// stream can see the reset, and the test end, before the entry is written.
func (h *harness) loggedRequests(t *testing.T) []forgesim.Request {
	t.Helper()
	m, err := h.tel.GetMetric("otelcol_forgelogs_api_requests")
	require.NoError(t, err)
	var counted int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		counted += dp.Value
	}
	// The deadline only bounds a failing test; a passing one returns as soon as the entry is in.
	deadline := time.Now().Add(10 * time.Second)
	for {
		requests := h.sim.Requests()
		if int64(len(requests)) >= counted || time.Now().After(deadline) {
			return requests
		}
		runtime.Gosched()
	}
}
