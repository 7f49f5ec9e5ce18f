package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/retry"
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

// stream reads the windows of one streamSpec page by page; the walk moves it through time.
type stream struct {
	spec     streamSpec
	walk     *window.Walk
	caller   *retry.Caller
	handover *retry.Handover
	fetcher  pageFetcher
	pool     *pages.Pool
	scope    logsapi.Scope
	consumer consumer.Logs
	obsrecv  *receiverhelper.ObsReport
	tel      *streamTelemetry
	clock    clock.Clock
	logger   *zap.Logger
	// toldLate is set once the stream logged that the API serves records late.
	toldLate bool
}

// run polls until ctx ends.
func (s *stream) run(ctx context.Context) {
	s.tel.start(ctx)
	s.walk.Reread = s.rereadWindow
	s.walk.Run(ctx, s.readWindow)
}

// recordFilter decides which records of a page are handed over. A page is decoded again when
// the pipeline asks for a retry: each decoding begins with startPage and gets the same answers.
type recordFilter interface {
	// stretch may move the end of q, a window about to be asked for its first page, up to now.
	stretch(q *logsapi.Query, now time.Time)
	startPage()
	accept(logsapi.RecordKey) bool
}

// page is a decoded page still holding its slot, so that it can be decoded again.
type page struct {
	logsapi.Page
	slot      *pages.Slot
	decoder   *logsapi.Decoder
	fetchedAt time.Time
	// body is the fingerprint of the page's whole body.
	body uint64
}

// readWindow delivers the records of state's window after its first state.Offset ones and
// returns the state of the next window once the last page was accepted.
func (s *stream) readWindow(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
	q := s.spec.query
	q.Start, q.End = state.WindowStart, state.WindowEnd
	fields := []zap.Field{zap.Time("window_start", q.Start), zap.Time("window_end", q.End)}
	pos := newPosition(state)
	if !state.InProgress() {
		pos.horizon = &s.walk.Plan
	}
	var loops loopGuard
	for cursor, pages := "", 1; ; pages++ {
		p, err := s.fetchPage(ctx, &q, cursor, pos, fields)
		if err != nil {
			return state, err
		}
		if loops.seenPage(p.body) {
			p.slot.Release()
			s.logger.Error("API pagination loops: a page came back; ending the window so that no page is delivered twice", append(fields, zap.Int("pages", pages))...)
			return pos.next(), nil
		}
		if pos.takeMismatch() {
			// The API answered the same query with other records: resuming by position is the
			// best left, and records around the resume point may be repeated or missed.
			s.logger.Warn("API returned other records than before the restart; resuming by position", append(fields, zap.Int("offset", state.Offset))...)
		}
		err = s.deliver(ctx, p, pos, fields)
		p.slot.Release()
		if err != nil {
			return state, err
		}
		pos.advance(p.Records, p.Last)
		if cursor = p.Cursor; loops.seenCursor(cursor) {
			s.logger.Error("API pagination loops: a cursor came back; ending the window so that no page is delivered twice", append(fields, zap.Int("pages", pages))...)
			cursor = ""
		}
		if pages%manyPages == 0 {
			s.logger.Warn("Window has an unusual number of pages; reading on", append(fields, zap.Int("pages", pages))...)
		}
		if cursor == "" {
			if pos.short() {
				s.logger.Warn("API returned fewer records for a window than before the restart; some may be missed", append(fields, zap.Int("offset", state.Offset))...)
			}
			return pos.next(), nil
		}
		s.walk.Commit(ctx, pos.progress())
	}
}

// fetchPage returns the next page of q, decoded, retrying until it succeeds or ctx ends.
func (s *stream) fetchPage(ctx context.Context, q *logsapi.Query, cursor string, pos recordFilter, fields []zap.Field) (*page, error) {
	var p page
	err := s.caller.Do(ctx, q.Start, func(ctx context.Context) error {
		p.fetchedAt = s.clock.Now()
		if cursor == "" {
			pos.stretch(q, p.fetchedAt)
		}
		slot, err := s.fetcher.Fetch(ctx, *q, cursor, s.pool)
		if err != nil {
			return err
		}
		// A decoder lives as long as its page: a waiting stream holds no decoding state.
		p.decoder = logsapi.NewDecoder(s.spec.resource, s.scope)
		p.body = logsapi.Fingerprint(slot.Buf.Bytes())
		pos.startPage()
		p.Page, err = p.decoder.Decode(slot.Buf.Bytes(), pcommon.NewTimestampFromTime(p.fetchedAt), pos.accept)
		if err != nil {
			slot.Release()
			return &apierror.BadBodyError{Err: err}
		}
		p.slot = slot
		return nil
	}, append(fields, zap.Bool("has_cursor", cursor != ""))...)
	if err != nil {
		return nil, err
	}
	s.tel.page(ctx, p.Drops, s.logger)
	return &p, nil
}

// deliver hands the page's records to the pipeline until it accepts them. A permanent error
// drops them, logged and counted.
func (s *stream) deliver(ctx context.Context, p *page, pos recordFilter, fields []zap.Field) error {
	count := p.Logs.LogRecordCount()
	if count == 0 {
		return nil
	}
	dropped, err := s.handover.Deliver(ctx, func(ctx context.Context, attempt int) error {
		logs := p.Logs
		if attempt > 0 {
			// Processors may have changed the first attempt: decode the kept body again. accept
			// gives the same verdicts, as the position has not moved yet.
			pos.startPage()
			again, _ := p.decoder.Decode(p.slot.Buf.Bytes(), pcommon.NewTimestampFromTime(p.fetchedAt), pos.accept)
			logs = again.Logs
		}
		return s.consume(ctx, logs)
	})
	if dropped != nil {
		s.logger.Error("Pipeline permanently refused a page; its records are dropped",
			append(fields, zap.Int("records", count), zap.Error(dropped))...)
		s.tel.dropped(ctx, reasonPermanentPipelineError, count)
	}
	return err
}

func (s *stream) consume(ctx context.Context, logs plog.Logs) error {
	count := logs.LogRecordCount()
	opCtx := s.obsrecv.StartLogsOp(ctx)
	err := s.consumer.ConsumeLogs(opCtx, logs)
	s.obsrecv.EndLogsOp(opCtx, dataFormat, count, err)
	if err == nil {
		s.tel.received(ctx, count)
	}
	return err
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
