package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"bytes"
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/retry"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"
)

const dataFormat = "forge_app_metrics"

// answerFetcher asks the API for one window of an app's metrics.
type answerFetcher interface {
	Fetch(ctx context.Context, q metricsapi.Query, buf *bytes.Buffer) ([]byte, error)
}

// stream reads one app's windows, all of its environments in one call each; the walk moves it
// through time.
type stream struct {
	query    metricsapi.Query
	window   metricsapi.Window
	walk     *window.Walk
	caller   *retry.Caller
	handover *retry.Handover
	fetcher  answerFetcher
	pool     *pages.Pool
	consumer consumer.Metrics
	obsrecv  *receiverhelper.ObsReport
	tel      *appTelemetry
	clock    clock.Clock
	logger   *zap.Logger
	// discovered, for an app whose environments are discovered, holds them and their positions.
	discovered *discoveredEnvironments
}

func (s *stream) run(ctx context.Context) {
	s.tel.start(ctx)
	if s.discovered != nil {
		s.discovered.inherit(ctx, s.walk.Key)
	}
	s.walk.Run(ctx, s.readWindow)
}

// readWindow delivers the points of state's window and returns the next window's state once the
// pipeline accepted them. An app whose environments are discovered reads through its environment
// positions instead (readDiscoveredWindow).
func (s *stream) readWindow(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
	if s.discovered != nil {
		return s.readDiscoveredWindow(ctx, state)
	}
	if err := s.readSpan(ctx, s.query.EnvironmentIDs, s.window.Environments, state.WindowStart, state.WindowEnd, nil); err != nil {
		return state, err
	}
	s.keepListedPositions(ctx, state.WindowEnd)
	return checkpoint.State{WindowStart: state.WindowEnd}, nil
}

// keepListedPositions saves, for each listed environment, the position discovery would have kept
// for it: an app switched to discovery and back, or the other way, then resumes each environment
// where the other form left it, and repeats nothing.
func (s *stream) keepListedPositions(ctx context.Context, end time.Time) {
	for _, id := range s.query.EnvironmentIDs {
		// Progress the pipeline accepted is saved even while shutting down.
		if err := s.walk.Store.Save(context.WithoutCancel(ctx), environmentKey(s.query.AppID, id), checkpoint.State{WindowStart: end}); err != nil {
			s.logger.Error("Checkpoint of an environment not written; switching the app to discovered environments now would repeat its points",
				zap.String("environment_id", id), zap.Error(err))
		}
	}
}

// errEnvironmentsChanged ends a call that was still being retried when the app's discovered
// environments changed.
var errEnvironmentsChanged = errors.New("the app's environments changed")

// readSpan delivers the points of the environments envIDs (named by envs) in [start, end) in one
// call, and returns once the pipeline accepted them (nil), ctx ended, the API refused the span as
// too old (retry.ErrExpired), or changed closed before the call succeeded (errEnvironmentsChanged).
func (s *stream) readSpan(ctx context.Context, envIDs []string, envs []metricsapi.Environment, start, end time.Time, changed <-chan struct{}) error {
	q, w := s.query, s.window
	q.EnvironmentIDs, w.Environments = envIDs, envs
	q.Start, q.End = start, end
	w.Start, w.End = start, end
	fields := []zap.Field{zap.Time("window_start", q.Start), zap.Time("window_end", q.End)}

	var answer []byte
	var metrics pmetric.Metrics
	var drops metricsapi.Drops
	fetchCtx, stopWatching := interruptedBy(ctx, changed)
	err := s.caller.Do(fetchCtx, q.Start, func(ctx context.Context) error {
		slot, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer slot.Release()
		answer, err = s.fetcher.Fetch(ctx, q, slot.Buf)
		if err == nil {
			metrics, drops, err = metricsapi.Decode(answer, w)
		}
		if errors.Is(err, metricsapi.ErrMalformedAnswer) {
			return &apierror.BadBodyError{Err: err}
		}
		return err
	}, fields...)
	interrupted := stopWatching()
	switch {
	case err != nil && ctx.Err() == nil && interrupted:
		return errEnvironmentsChanged
	case err != nil:
		return err
	}
	s.tel.dropped(ctx, reasonOutsideWindow, drops.OutsideWindow)
	s.tel.dropped(ctx, reasonUnknownEnvironment, drops.UnknownEnvironment)

	if count := metrics.DataPointCount(); count > 0 {
		dropped, err := s.handover.Deliver(ctx, func(ctx context.Context, attempt int) error {
			if attempt > 0 {
				// Processors may have changed the first attempt: decode the kept answer again.
				metrics, _, _ = metricsapi.Decode(answer, w)
			}
			return s.consume(ctx, metrics)
		})
		if err != nil {
			return err
		}
		if dropped != nil {
			s.logger.Error("Pipeline permanently refused a window's points; they are dropped",
				append(fields, zap.Int("points", count), zap.Error(dropped))...)
			s.tel.dropped(ctx, reasonPermanentPipelineError, count)
		}
	}
	return nil
}

func (s *stream) consume(ctx context.Context, metrics pmetric.Metrics) error {
	count := metrics.DataPointCount()
	opCtx := s.obsrecv.StartMetricsOp(ctx)
	err := s.consumer.ConsumeMetrics(opCtx, metrics)
	s.obsrecv.EndMetricsOp(opCtx, dataFormat, count, err)
	if err == nil {
		s.tel.received(ctx, count)
	}
	return err
}

// interruptedBy returns a context that ends with ctx or when changed closes (never, for nil), and
// the function that releases it, waits for its watcher and says whether changed ended it.
func interruptedBy(ctx context.Context, changed <-chan struct{}) (context.Context, func() bool) {
	if changed == nil {
		return ctx, func() bool { return false }
	}
	fetchCtx, cancel := context.WithCancel(ctx)
	done := make(chan bool)
	go func() {
		select {
		case <-changed:
			cancel()
			done <- true
		case <-fetchCtx.Done():
			done <- false
		}
	}()
	return fetchCtx, func() bool {
		cancel()
		return <-done
	}
}
