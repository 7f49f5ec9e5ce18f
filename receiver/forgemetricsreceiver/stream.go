package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"bytes"
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"
)

const dataFormat = "forge_app_metrics"

// answerFetcher asks the API for one window of an app's metrics.
type answerFetcher interface {
	Fetch(ctx context.Context, q metricsapi.Query, buf *bytes.Buffer) ([]byte, error)
}

// stream is the source of one app's windows, all of its environments in one call each.
type stream struct {
	query   metricsapi.Query
	window  metricsapi.Window
	fetcher answerFetcher
	pool    *pages.Pool
	tel     *appTelemetry
	clock   clock.Clock
	logger  *zap.Logger
	// discovered, for an app whose environments are discovered, holds them and their positions.
	discovered *discoveredEnvironments
}

// Open implements window.Source. An app whose environments are discovered reads through its
// environment positions (discoveredReader).
func (s *stream) Open(state checkpoint.State) window.Reader[pmetric.Metrics] {
	if s.discovered != nil {
		return &discoveredReader{stream: s, state: state}
	}
	return listedReader{stream: s, state: state}
}

// listedReader reads the window of an app whose environments are listed: one call.
type listedReader struct {
	*stream
	state checkpoint.State
}

// Next implements window.Reader.
func (r listedReader) Next(context.Context) (window.Step[pmetric.Metrics], error) {
	end := r.state.WindowEnd
	return r.span(r.query.EnvironmentIDs, r.window.Environments, r.state.WindowStart, end, func(context.Context) window.Commit {
		return window.Commit{State: checkpoint.State{WindowStart: end}, Done: true, Others: r.listedPositions(end)}
	}), nil
}

// listedPositions are, for each listed environment, the position discovery would have kept for
// it: an app switched to discovery and back, or the other way, then resumes each environment
// where the other form left it, and repeats nothing.
func (s *stream) listedPositions(end time.Time) []window.Entry {
	entries := make([]window.Entry, len(s.query.EnvironmentIDs))
	for i, id := range s.query.EnvironmentIDs {
		entries[i] = window.Entry{Key: environmentKey(s.query.AppID, id), State: checkpoint.State{WindowStart: end}}
	}
	return entries
}

// span is the step that asks for the points of the environments envIDs (named by envs) in
// [start, end) in one call; accepted says what to commit once the pipeline took them. The answer
// stays in its page slot until then, so that a retried hand-over decodes it again.
func (s *stream) span(envIDs []string, envs []metricsapi.Environment, start, end time.Time, accepted func(context.Context) window.Commit) window.Step[pmetric.Metrics] {
	q, w := s.query, s.window
	q.EnvironmentIDs, w.Environments = envIDs, envs
	q.Start, q.End = start, end
	w.Start, w.End = start, end
	fetch := func(ctx context.Context) (window.Piece[pmetric.Metrics], error) {
		slot, err := s.pool.Acquire(ctx)
		if err != nil {
			return window.Piece[pmetric.Metrics]{}, err
		}
		answer, err := s.fetcher.Fetch(ctx, q, slot.Buf)
		var metrics pmetric.Metrics
		var drops metricsapi.Drops
		if err == nil {
			metrics, drops, err = metricsapi.Decode(answer, w)
		}
		if err != nil {
			slot.Release()
			if errors.Is(err, metricsapi.ErrMalformedAnswer) {
				return window.Piece[pmetric.Metrics]{}, &apierror.BadBodyError{Err: err}
			}
			return window.Piece[pmetric.Metrics]{}, err
		}
		s.tel.Dropped(ctx, reasonOutsideWindow, drops.OutsideWindow)
		s.tel.Dropped(ctx, reasonUnknownEnvironment, drops.UnknownEnvironment)
		return window.Piece[pmetric.Metrics]{
			Data: metrics, Count: metrics.DataPointCount(),
			Again: func() pmetric.Metrics {
				again, _, _ := metricsapi.Decode(answer, w)
				return again
			},
			Accepted: accepted,
			Release:  slot.Release,
		}, nil
	}
	return window.Step[pmetric.Metrics]{
		Fetch: fetch, Start: start,
		Fields: []zap.Field{zap.Time("window_start", start), zap.Time("window_end", end)},
	}
}
