package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/pages"
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

// stream is the source of one (app, resource) [and environment, when grouped by site] stream: it
// reads a window page by page, and the walk commits after each accepted page, so that a restart
// resumes at the next page of the window.
type stream struct {
	query   usageapi.Query
	window  usageapi.Window
	polled  *environmentSet // the discovered environments, for an app grouped by environment
	fetcher pageFetcher
	pool    *pages.Pool
	tel     *streamTelemetry
	once    *onceLogs
	logger  *zap.Logger
}

// Open implements window.Source: the pages of state's window after its first state.Offset ones.
func (s *stream) Open(state checkpoint.State) window.Reader[pmetric.Metrics] {
	r := &windowReader{stream: s, state: state, query: s.query, window: s.window}
	r.query.Start, r.query.End = state.WindowStart, state.WindowEnd
	r.window.Start, r.window.End = state.WindowStart, state.WindowEnd
	r.query.Page = state.Offset + 1
	return r
}

// windowReader reads one window's pages.
type windowReader struct {
	*stream
	state  checkpoint.State
	query  usageapi.Query
	window usageapi.Window
}

// Next implements window.Reader: the next page.
func (r *windowReader) Next(context.Context) (window.Step[pmetric.Metrics], error) {
	return window.Step[pmetric.Metrics]{
		Fetch: r.fetch, Start: r.query.Start,
		Fields: []zap.Field{zap.Time("window_start", r.query.Start), zap.Time("window_end", r.query.End), zap.Int("page", r.query.Page)},
	}, nil
}

// fetch asks for the page in a page slot, held until the pipeline accepted the page.
func (r *windowReader) fetch(ctx context.Context) (window.Piece[pmetric.Metrics], error) {
	slot, err := r.pool.Acquire(ctx)
	if err != nil {
		return window.Piece[pmetric.Metrics]{}, err
	}
	page, err := r.fetcher.Fetch(ctx, r.query, slot.Buf)
	if err != nil {
		slot.Release()
		if errors.Is(err, usageapi.ErrMalformedAnswer) {
			return window.Piece[pmetric.Metrics]{}, &apierror.BadBodyError{Err: err}
		}
		return window.Piece[pmetric.Metrics]{}, err
	}
	w := r.window
	if r.polled != nil {
		// The environments listed last name this page's usage and say which of it to keep.
		w.Environments = r.polled.get()
	}
	metrics, drops := usageapi.Decode(page, w)
	return window.Piece[pmetric.Metrics]{
		Data: metrics, Count: metrics.DataPointCount(),
		Again: func() pmetric.Metrics {
			again, _ := usageapi.Decode(page, w)
			return again
		},
		Accepted: func(ctx context.Context) window.Commit {
			r.tel.page(ctx)
			r.dropped(ctx, drops, w)
			if lastPage(page) {
				return window.Commit{State: checkpoint.State{WindowStart: r.state.WindowEnd}, Done: true}
			}
			r.state.Offset = r.query.Page
			r.query.Page++
			return window.Commit{State: r.state}
		},
		Release: slot.Release,
	}, nil
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

// dropped counts what a page's mapping left out, and says each kind of it once.
func (s *stream) dropped(ctx context.Context, drops usageapi.Drops, w usageapi.Window) {
	s.tel.Dropped(ctx, reasonOutsideWindow, drops.OutsideWindow)
	s.tel.Dropped(ctx, reasonUnknownEnvironment, drops.UnknownEnvironment)
	fields := []zap.Field{zap.Time("window_start", w.Start), zap.Time("window_end", w.End)}
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
}
