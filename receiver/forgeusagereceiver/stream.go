package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/retry"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

const dataFormat = "forge_app_resource_usage"

// defaultPageSize is the page size of the documentation's sample, for an answer that states none.
const defaultPageSize = 100

// pageFetcher asks the API for one page of one resource's usage.
type pageFetcher interface {
	Fetch(ctx context.Context, q usageapi.Query, buf *bytes.Buffer) (usageapi.Page, error)
}

// onceLogs says each kind of surprise once per receiver, not once per page of every stream.
type onceLogs struct {
	outsideWindow, unknownEnvironment sync.Once
}

// stream reads one (app, resource) [and environment, when grouped by site] window by window,
// page by page, delivering each page and committing after it, so that a restart resumes at the
// next page of the window; the walk moves it through time.
type stream struct {
	query    usageapi.Query
	window   usageapi.Window
	polled   *environmentSet // the discovered environments, for an app grouped by environment
	walk     *window.Walk
	caller   *retry.Caller
	handover *retry.Handover
	fetcher  pageFetcher
	pool     *pages.Pool
	consumer consumer.Metrics
	obsrecv  *receiverhelper.ObsReport
	tel      *streamTelemetry
	once     *onceLogs
	logger   *zap.Logger
}

func (s *stream) run(ctx context.Context) {
	s.tel.start(ctx)
	s.walk.Run(ctx, s.readWindow)
}

// readWindow delivers the pages of state's window after its first state.Offset ones and returns
// the next window's state once the pipeline accepted the last of them.
func (s *stream) readWindow(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
	q, w := s.query, s.window
	q.Start, q.End = state.WindowStart, state.WindowEnd
	w.Start, w.End = state.WindowStart, state.WindowEnd
	for q.Page = state.Offset + 1; ; q.Page++ {
		fields := []zap.Field{zap.Time("window_start", q.Start), zap.Time("window_end", q.End), zap.Int("page", q.Page)}
		var page usageapi.Page
		err := s.caller.Do(ctx, q.Start, func(ctx context.Context) error {
			slot, err := s.pool.Acquire(ctx)
			if err != nil {
				return err
			}
			defer slot.Release()
			page, err = s.fetcher.Fetch(ctx, q, slot.Buf)
			if errors.Is(err, usageapi.ErrMalformedAnswer) {
				return &apierror.BadBodyError{Err: err}
			}
			return err
		}, fields...)
		if err != nil {
			return state, err
		}
		if s.polled != nil {
			// The environments listed last name this page's usage and say which of it to keep.
			w.Environments = s.polled.get()
		}
		if err := s.deliver(ctx, page, w, fields); err != nil {
			return state, err
		}
		s.tel.page(ctx)
		if lastPage(page) {
			return checkpoint.State{WindowStart: state.WindowEnd}, nil
		}
		state.Offset = q.Page
		s.walk.Commit(ctx, state)
	}
}

// lastPage says whether no page follows page. Whether the API pages periods or their groups is not
// documented: only a page with fewer of both than its size is taken for the last, which costs at
// most one empty page and never skips one.
func lastPage(page usageapi.Page) bool {
	size := page.PageSize
	if size <= 0 {
		size = defaultPageSize
	}
	return max(page.Rows(), len(page.Periods)) < size
}

// deliver hands a page's usage to the pipeline until it is accepted (or refused for good).
func (s *stream) deliver(ctx context.Context, page usageapi.Page, w usageapi.Window, fields []zap.Field) error {
	metrics, drops := usageapi.Decode(page, w)
	s.tel.dropped(ctx, reasonOutsideWindow, drops.OutsideWindow)
	s.tel.dropped(ctx, reasonUnknownEnvironment, drops.UnknownEnvironment)
	if drops.OutsideWindow > 0 {
		s.once.outsideWindow.Do(func() {
			s.logger.Warn("API answered periods that do not fit the window; they are dropped and counted, never delivered twice. A longer window (up to 24h) or a resolution change at the API is the likely cause; set window to match the periods the API answers.",
				append(fields, zap.Int("periods", drops.OutsideWindow), zap.Duration("window", w.End.Sub(w.Start)))...)
		})
	}
	if drops.UnknownEnvironment > 0 {
		s.once.unknownEnvironment.Do(func() {
			s.logger.Info("Usage of environments the app entry does not list is dropped and counted; list them under environments to receive it. For an app whose environments are discovered, this is usage of an environment read before a listing returned it, or of one not of its environment_types.",
				append(fields, zap.Int("points", drops.UnknownEnvironment))...)
		})
	}
	count := metrics.DataPointCount()
	if count == 0 {
		return nil
	}
	dropped, err := s.handover.Deliver(ctx, func(ctx context.Context, attempt int) error {
		if attempt > 0 {
			// Processors may have changed the first attempt: map the kept page again.
			metrics, _ = usageapi.Decode(page, w)
		}
		return s.consume(ctx, metrics)
	})
	if err != nil {
		return err
	}
	if dropped != nil {
		s.logger.Error("Pipeline permanently refused a page of usage; it is dropped",
			append(fields, zap.Int("points", count), zap.Error(dropped))...)
		s.tel.dropped(ctx, reasonPermanentPipelineError, count)
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
