package forgelogsreceiver

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
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
