package forgemetricsreceiver

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// errQueueFull is a retryable pipeline error, as an exporter with a full sending queue returns.
var errQueueFull = errors.New("sending queue is full")

// checkpoints are the checkpoints a receiver kept under one key, by call of its pipeline.
type checkpoints struct {
	mu     sync.Mutex
	atCall map[int]checkpoint.State
}

func (c *checkpoints) at(call int) checkpoint.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.atCall[call]
}

// startWithPipeline starts a receiver of cfg, with progress in memory, whose pipeline answers
// with answer; it reads the checkpoint of key at each call of the pipeline.
func startWithPipeline(t *testing.T, cfg *Config, key string, answer func(call int, md pmetric.Metrics) error, clock *receiverharness.FakeTime) (*metricsReceiver, *receiverharness.Pipeline, *checkpoints) {
	t.Helper()
	var r *metricsReceiver // set before Start: the streams it starts call the pipeline
	seen := &checkpoints{atCall: map[int]checkpoint.State{}}
	p := receiverharness.NewPipeline(answer, func(ctx context.Context, call int) {
		state, _, err := r.rt.Store.Load(ctx, key)
		assert.NoError(t, err)
		seen.mu.Lock()
		defer seen.mu.Unlock()
		seen.atCall[call] = state
	})
	r = receivers.Create(t, cfg, settings, p, clock)
	clock.Start(r, len(cfg.streams()), componenttest.NewNopHost())
	return r, p, seen
}

// A retryable pipeline error retries the same window, its points unchanged, and nothing is
// committed until the pipeline accepted them; then the next window starts where it ended.
func TestReceiverRetriesAWindowThePipelineRefusedWithoutCommitting(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	_, srv := newSim(t, clock, 0)
	cfg := oneAppConfig(srv.URL)
	r, p, seen := startWithPipeline(t, cfg, "metrics/app-2", func(call int, _ pmetric.Metrics) error {
		if call < 2 {
			return errQueueFull
		}
		return nil
	}, clock)
	clock.RunUntil(r, simNow.Add(10*time.Minute))

	handed := p.Handed()
	require.GreaterOrEqual(t, len(handed), 4, "two refusals, the window accepted, then the next window")
	start := simNow.Add(-cfg.InitialLookback)
	for i := 0; i < 3; i++ {
		require.Positive(t, handed[i].DataPointCount())
		assert.Equal(t, start, seen.at(i).WindowStart, "call %d: nothing committed before the pipeline accepted", i)
		require.NoError(t, pmetrictest.CompareMetrics(handed[0], handed[i]), "call %d is the same window", i)
	}
	assert.Equal(t, start.Add(maxWindow), seen.at(3).WindowStart, "the accepted window is committed, once")
	require.Len(t, p.Accepted(), len(handed)-2)
	receiverharness.RequireNoneTwice(t, pointKeys(t, p.Accepted()))
}

// Stopping while the exporter refuses commits nothing: the points were never accepted, and the
// restarted receiver must read the window again.
func TestReceiverStoppedWhileThePipelineRefusesCommitsNothing(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	_, srv := newSim(t, clock, 0)
	cfg := oneAppConfig(srv.URL)
	r, p, _ := startWithPipeline(t, cfg, "metrics/app-2", func(int, pmetric.Metrics) error { return errQueueFull }, clock)
	clock.RunUntil(r, simNow.Add(5*time.Minute))

	require.Greater(t, len(p.Handed()), 1, "the refused window was retried")
	assert.Equal(t, checkpoint.State{WindowStart: simNow.Add(-cfg.InitialLookback)}, committed(t, r, "metrics/app-2"), "the refused window is not committed")
	assert.Zero(t, p.AcceptedPoints())
}

// A processor may change the data it is handed (the pipeline owns it once called). A retried
// window is handed its points as the API sent them, not as the first attempt left them.
func TestReceiverRetriesAWindowWithItsPointsAsFetched(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	_, srv := newSim(t, clock, 0)
	cfg := oneAppConfig(srv.URL)
	r, p, _ := startWithPipeline(t, cfg, "metrics/app-2", func(call int, md pmetric.Metrics) error {
		if call > 0 {
			return nil
		}
		// What a filter and a transform processor might do before an exporter refuses.
		rm := md.ResourceMetrics().At(0)
		rm.Resource().Attributes().PutStr("service.name", "changed")
		ms := rm.ScopeMetrics().At(0).Metrics()
		ms.At(0).SetName("changed")
		ms.RemoveIf(func(m pmetric.Metric) bool { return m.Type() == pmetric.MetricTypeHistogram })
		return errQueueFull
	}, clock)
	clock.RunUntil(r, simNow.Add(5*time.Minute))

	handed := p.Handed()
	require.GreaterOrEqual(t, len(handed), 2)
	first := handed[0]
	require.Equal(t, 2, first.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().Len(), "the window has a sum and a histogram")
	require.NoError(t, pmetrictest.CompareMetrics(first, handed[1]), "the retry is handed the points as fetched")
}

// Stopping while the exporter refuses the points of discovered environments moves neither the
// environments' positions nor the app's checkpoint: the points were never accepted.
func TestReceiverStoppedWhileThePipelineRefusesKeepsEveryEnvironmentsPosition(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	_, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	p := receiverharness.NewPipeline(func(int, pmetric.Metrics) error { return errQueueFull }, nil)
	r := startDiscovering(t, cfg, componenttest.NewNopHost(), p, clock)
	clock.RunUntil(r, simNow.Add(5*time.Minute))

	require.Greater(t, len(p.Handed()), 1, "the refused points were offered again")
	start := simNow.Add(-cfg.InitialLookback)
	for _, key := range []string{"metrics/app-1", "metrics/app-1/env/env-1", "metrics/app-1/env/env-2"} {
		assert.Equal(t, start, committed(t, r, key).WindowStart, "%s: nothing accepted, nothing moved", key)
	}
	assert.Zero(t, p.AcceptedPoints())
}
