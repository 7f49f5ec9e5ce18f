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
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// errQueueFull is a retryable pipeline error, as an exporter with a full sending queue returns.
var errQueueFull = errors.New("sending queue is full")

// pipelineCall is what the pipeline saw at one ConsumeMetrics: the points, as a copy, and the
// stream's checkpoint at that moment.
type pipelineCall struct {
	metrics    pmetric.Metrics
	checkpoint checkpoint.State
}

// scriptedPipeline records every call and answers it with answer(call index, metrics); it reads
// the checkpoint of the stream key from the receiver's store at each call.
type scriptedPipeline struct {
	mu       sync.Mutex
	calls    []pipelineCall
	receiver *metricsReceiver
	key      string
	answer   func(call int, md pmetric.Metrics) error
	accepted consumertest.MetricsSink
}

func (p *scriptedPipeline) consume(ctx context.Context, md pmetric.Metrics) error {
	state, _, err := p.receiver.rt.Store.Load(ctx, p.key)
	if err != nil {
		return err
	}
	seen := pmetric.NewMetrics()
	md.CopyTo(seen)
	p.mu.Lock()
	call := len(p.calls)
	p.calls = append(p.calls, pipelineCall{metrics: seen, checkpoint: state})
	p.mu.Unlock()
	if err := p.answer(call, md); err != nil {
		return err
	}
	return p.accepted.ConsumeMetrics(ctx, md)
}

// startWithPipeline starts a receiver of cfg whose pipeline is p, with progress in memory.
func startWithPipeline(t *testing.T, cfg *Config, p *scriptedPipeline, clock *clocktest.Fake) *metricsReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	next, err := consumer.NewMetrics(p.consume)
	require.NoError(t, err)
	rcv, err := NewFactory().CreateMetrics(context.Background(), settings, cfg, next)
	require.NoError(t, err)
	r := rcv.(*metricsReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	p.receiver = r // before Start: the streams it starts call the pipeline
	holdTime(clock, len(cfg.streams()))
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	return r
}

// oneAppConfig polls app-2 alone (one environment), starting 30 minutes back: two windows behind.
func oneAppConfig(endpoint string) *Config {
	cfg := testConfig(endpoint)
	cfg.Apps = cfg.Apps[1:]
	cfg.InitialLookback = 30 * time.Minute
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT", "FORGE_BACKEND_INVOCATION_LATENCY"}
	return cfg
}

// A retryable pipeline error retries the same window, its points unchanged, and nothing is
// committed until the pipeline accepted them; then the next window starts where it ended.
func TestReceiverRetriesAWindowThePipelineRefusedWithoutCommitting(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSim(t, clock, 0)
	cfg := oneAppConfig(srv.URL)
	p := &scriptedPipeline{key: "metrics/app-2", answer: func(call int, _ pmetric.Metrics) error {
		if call < 2 {
			return errQueueFull
		}
		return nil
	}}
	r := startWithPipeline(t, cfg, p, clock)
	runUntil(t, r, clock, simNow.Add(10*time.Minute))

	p.mu.Lock()
	defer p.mu.Unlock()
	require.GreaterOrEqual(t, len(p.calls), 4, "two refusals, the window accepted, then the next window")
	start := simNow.Add(-cfg.InitialLookback)
	for i := 0; i < 3; i++ {
		require.Positive(t, p.calls[i].metrics.DataPointCount())
		assert.Equal(t, start, p.calls[i].checkpoint.WindowStart, "call %d: nothing committed before the pipeline accepted", i)
		require.NoError(t, pmetrictest.CompareMetrics(p.calls[0].metrics, p.calls[i].metrics), "call %d is the same window", i)
	}
	assert.Equal(t, start.Add(maxWindow), p.calls[3].checkpoint.WindowStart, "the accepted window is committed, once")
	require.Equal(t, len(p.calls)-2, len(p.accepted.AllMetrics()))
	for key, n := range pointKeys(t, p.accepted.AllMetrics()) {
		assert.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
}

// Stopping while the exporter refuses commits nothing: the points were never accepted, and the
// restarted receiver must read the window again.
func TestReceiverStoppedWhileThePipelineRefusesCommitsNothing(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSim(t, clock, 0)
	cfg := oneAppConfig(srv.URL)
	p := &scriptedPipeline{key: "metrics/app-2", answer: func(int, pmetric.Metrics) error { return errQueueFull }}
	r := startWithPipeline(t, cfg, p, clock)
	runUntil(t, r, clock, simNow.Add(5*time.Minute))

	p.mu.Lock()
	defer p.mu.Unlock()
	require.Greater(t, len(p.calls), 1, "the refused window was retried")
	state, found, err := r.rt.Store.Load(context.Background(), "metrics/app-2")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, checkpoint.State{WindowStart: simNow.Add(-cfg.InitialLookback)}, state, "the refused window is not committed")
	assert.Zero(t, p.accepted.DataPointCount())
}

// A processor may change the data it is handed (the pipeline owns it once called). A retried
// window is handed its points as the API sent them, not as the first attempt left them.
func TestReceiverRetriesAWindowWithItsPointsAsFetched(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSim(t, clock, 0)
	cfg := oneAppConfig(srv.URL)
	p := &scriptedPipeline{key: "metrics/app-2", answer: func(call int, md pmetric.Metrics) error {
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
	}}
	r := startWithPipeline(t, cfg, p, clock)
	runUntil(t, r, clock, simNow.Add(5*time.Minute))

	p.mu.Lock()
	defer p.mu.Unlock()
	require.GreaterOrEqual(t, len(p.calls), 2)
	first := p.calls[0].metrics
	require.Equal(t, 2, first.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().Len(), "the window has a sum and a histogram")
	require.NoError(t, pmetrictest.CompareMetrics(first, p.calls[1].metrics), "the retry is handed the points as fetched")
}
