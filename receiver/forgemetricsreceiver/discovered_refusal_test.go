package forgemetricsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// Stopping while the exporter refuses the points of discovered environments moves neither the
// environments' positions nor the app's checkpoint: the points were never accepted.
func TestReceiverStoppedWhileThePipelineRefusesKeepsEveryEnvironmentsPosition(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	p := &scriptedPipeline{key: "metrics/app-1", answer: func(int, pmetric.Metrics) error { return errQueueFull }}
	next, err := consumer.NewMetrics(p.consume)
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateMetrics(context.Background(), settings, cfg, next)
	require.NoError(t, err)
	r := rcv.(*metricsReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	p.receiver = r
	clock.SetParticipants(3) // the watcher, the stream, and the test until runTo
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	runTo(t, r, clock, simNow.Add(5*time.Minute))
	require.NoError(t, r.Shutdown(context.Background()))

	p.mu.Lock()
	defer p.mu.Unlock()
	require.Greater(t, len(p.calls), 1, "the refused points were offered again")
	start := simNow.Add(-cfg.InitialLookback)
	for _, key := range []string{"metrics/app-1", "metrics/app-1/env/env-1", "metrics/app-1/env/env-2"} {
		state, found, err := r.rt.Store.Load(context.Background(), key)
		require.NoError(t, err)
		require.True(t, found, key)
		assert.Equal(t, start, state.WindowStart, "%s: nothing accepted, nothing moved", key)
	}
	assert.Zero(t, p.accepted.DataPointCount())
}
