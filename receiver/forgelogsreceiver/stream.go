package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
)

const (
	dataFormat = "forge_app_logs"
	// manyPages is where a window's page count deserves a word in the log: at the API's rate
	// limit it takes over five hours to read.
	manyPages = 10000
)

// pageFetcher fetches one page of a query into a slot of pool.
type pageFetcher interface {
	Fetch(ctx context.Context, q logsapi.Query, cursor string, pool *pages.Pool) (*pages.Slot, error)
}

// streamSpec is what identifies and configures one stream: an (app, environment, site shard).
type streamSpec struct {
	// key names the stream in checkpoints, logs and status.
	key       string
	query     logsapi.Query
	queryHash uint64
	resource  logsapi.Resource
}

// stream is one running stream: its source and the walk that drives it.
type stream struct {
	walk   *window.Walk[plog.Logs]
	source *source
	tel    *streamTelemetry
}

// run polls until ctx ends.
func (s *stream) run(ctx context.Context) {
	s.tel.start(ctx)
	s.walk.Run(ctx, s.source)
}

// readWindow reads state's window alone and returns the next window's state.
func (s *stream) readWindow(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
	return s.walk.Read(ctx, s.source, state)
}

// source reads the windows of one streamSpec page by page.
type source struct {
	spec streamSpec
	// plan is the stream's, whose End a first page's window may stretch to.
	plan    window.Plan
	fetcher pageFetcher
	pool    *pages.Pool
	scope   logsapi.Scope
	tel     *streamTelemetry
	clock   clock.Clock
	logger  *zap.Logger
	// toldLate is set once the stream logged that the API serves records late.
	toldLate bool
}

// reading decides which records of a window's pages are handed over, and where the stream stands
// after them: the first reading (position) or the second (lateFilter). A page is decoded again
// when the pipeline asks for a retry: each decoding begins with startPage and gets the same answers.
type reading interface {
	// stretch may move the end of q, a window about to be asked for its first page, up to now.
	stretch(q *logsapi.Query, now time.Time)
	startPage()
	accept(logsapi.RecordKey) bool
	// delivered moves past a page the pipeline took; it returns the records found late.
	delivered(p logsapi.Page) []logsapi.RecordKey
	// progress is the checkpoint inside the window after the pages delivered; final the one
	// once the window is read.
	progress() checkpoint.State
	final() checkpoint.State
}

// Open implements window.Source: the records of state's window after its first state.Offset ones.
func (s *source) Open(state checkpoint.State) window.Reader[plog.Logs] {
	pos := newPosition(state)
	if !state.InProgress() {
		pos.horizon = &s.plan
	}
	q := s.spec.query
	q.Start, q.End = state.WindowStart, state.WindowEnd
	return &pageReader{source: s, reading: pos, first: pos, query: q, offset: state.Offset,
		fields: []zap.Field{zap.Time("window_start", q.Start), zap.Time("window_end", q.End)}}
}

// pageReader reads one window's pages for a reading.
type pageReader struct {
	*source
	reading reading
	// first is the first reading's position; nil for the second reading.
	first  *position
	query  logsapi.Query
	cursor string
	pages  int
	loops  loopGuard
	// offset is where the window was resumed, for the warnings about the API's order.
	offset int
	fields []zap.Field
}

// Next implements window.Reader: the next page. The window ends with the page without cursor.
func (r *pageReader) Next(context.Context) (window.Step[plog.Logs], error) {
	return window.Step[plog.Logs]{
		Fetch: r.fetch, Start: r.query.Start,
		Fields: append(slices.Clip(r.fields), zap.Bool("has_cursor", r.cursor != "")),
	}, nil
}

// fetch asks for the page at the cursor into a page slot, decodes it, and holds the slot until
// the pipeline accepted the page, so that a retried hand-over decodes the kept body again.
func (r *pageReader) fetch(ctx context.Context) (window.Piece[plog.Logs], error) {
	fetchedAt := r.clock.Now()
	if r.cursor == "" {
		r.reading.stretch(&r.query, fetchedAt)
	}
	slot, err := r.fetcher.Fetch(ctx, r.query, r.cursor, r.pool)
	if err != nil {
		return window.Piece[plog.Logs]{}, err
	}
	// A decoder lives as long as its page: a waiting stream holds no decoding state.
	decoder := logsapi.NewDecoder(r.spec.resource, r.scope)
	observed := pcommon.NewTimestampFromTime(fetchedAt)
	r.reading.startPage()
	page, err := decoder.Decode(slot.Buf.Bytes(), observed, r.reading.accept)
	if err != nil {
		slot.Release()
		return window.Piece[plog.Logs]{}, &apierror.BadBodyError{Err: err}
	}
	r.pages++
	r.tel.page(ctx, page.Drops, r.logger)
	if r.loops.seenPage(logsapi.Fingerprint(slot.Buf.Bytes())) {
		return window.Piece[plog.Logs]{Release: slot.Release, Accepted: func(context.Context) window.Commit {
			r.logger.Error("API pagination loops: a page came back; ending the window so that no page is delivered twice", append(r.fields, zap.Int("pages", r.pages))...)
			return window.Commit{State: r.reading.final(), Done: true}
		}}, nil
	}
	return window.Piece[plog.Logs]{
		Data: page.Logs, Count: page.Logs.LogRecordCount(),
		Again: func() plog.Logs {
			// accept gives the same verdicts, as the reading has not moved yet.
			r.reading.startPage()
			again, _ := decoder.Decode(slot.Buf.Bytes(), observed, r.reading.accept)
			return again.Logs
		},
		Accepted: func(ctx context.Context) window.Commit { return r.accepted(ctx, page, fetchedAt) },
		Release:  slot.Release,
	}, nil
}

// accepted moves past a page the pipeline took and says what to commit.
func (r *pageReader) accepted(ctx context.Context, page logsapi.Page, fetchedAt time.Time) window.Commit {
	if r.first != nil && r.first.takeMismatch() {
		// The API answered the same query with other records: resuming by position is the
		// best left, and records around the resume point may be repeated or missed.
		r.logger.Warn("API returned other records than before the restart; resuming by position", append(r.fields, zap.Int("offset", r.offset))...)
	}
	if found := r.reading.delivered(page); len(found) > 0 {
		r.foundLate(ctx, found, fetchedAt, r.fields)
	}
	if r.cursor = page.Cursor; r.loops.seenCursor(r.cursor) {
		r.logger.Error("API pagination loops: a cursor came back; ending the window so that no page is delivered twice", append(r.fields, zap.Int("pages", r.pages))...)
		r.cursor = ""
	}
	if r.pages%manyPages == 0 {
		r.logger.Warn("Window has an unusual number of pages; reading on", append(r.fields, zap.Int("pages", r.pages))...)
	}
	if r.cursor != "" {
		return window.Commit{State: r.reading.progress()}
	}
	if r.first != nil && r.first.short() {
		r.logger.Warn("API returned fewer records for a window than before the restart; some may be missed", append(r.fields, zap.Int("offset", r.offset))...)
	}
	return window.Commit{State: r.reading.final(), Done: true}
}

// loopGuard notices pagination that loops within one window: a cursor that comes back, or a page
// that comes back under another cursor (an API that ignores the cursor, or one that leads back to
// an earlier page). Both are kept by hash.
type loopGuard struct {
	cursors, pages map[uint64]struct{}
}

// seenCursor reports whether the window already returned cursor.
func (g *loopGuard) seenCursor(cursor string) bool {
	return cursor != "" && seen(&g.cursors, logsapi.Fingerprint([]byte(cursor)))
}

// seenPage reports whether the window already had a page with this body.
func (g *loopGuard) seenPage(body uint64) bool { return seen(&g.pages, body) }

// seen adds h to set and reports whether it was there.
func seen(set *map[uint64]struct{}, h uint64) bool {
	if *set == nil {
		*set = map[uint64]struct{}{}
	}
	_, found := (*set)[h]
	(*set)[h] = struct{}{}
	return found
}
