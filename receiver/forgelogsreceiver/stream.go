package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"bytes"
	"context"
	"errors"
	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"net/http"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/forgeapi"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

const (
	// maxWindow is the longest span the API serves in one query.
	maxWindow = time.Hour
	// retentionMargin keeps the oldest window safely inside the API's 14 days, so a request
	// never reaches the API after its start has aged past the limit.
	retentionMargin = 10 * time.Minute
	dataFormat      = "forge_app_logs"
	// manyPages is where a window's page count deserves a word in the log: at the API's rate
	// limit it takes over five hours to read.
	manyPages = 10000
)

// pageFetcher fetches one page of a query.
type pageFetcher interface {
	Fetch(ctx context.Context, q forgeapi.Query, cursor string, buf *bytes.Buffer) ([]byte, error)
}

// streamSpec is what identifies and configures one stream: an (app, environment, site shard).
type streamSpec struct {
	// key names the stream in checkpoints, logs and status.
	key       string
	query     forgeapi.Query
	queryHash uint64
	resource  forgeapi.Resource
}

// stream walks one streamSpec through time, window by window, page by page, committing its
// checkpoint after the pipeline accepted each page.
type stream struct {
	spec            streamSpec
	pollInterval    time.Duration
	delay           time.Duration
	initialLookback time.Duration

	fetcher   pageFetcher
	decoder   *forgeapi.Decoder
	budget    *requestBudget
	store     checkpoint.Store
	consumer  consumer.Logs
	obsrecv   *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder
	status    *streamStatus
	clock     clock
	logger    *zap.Logger

	transient backoffPolicy
	refused   backoffPolicy

	buf bytes.Buffer
	// attrs label this stream's metrics.
	attrs metric.MeasurementOption
}

// run polls until ctx ends. It never returns on its own, except when the checkpoint cannot be
// read: resuming from a guess would lose or repeat records.
func (s *stream) run(ctx context.Context) {
	s.initMetrics(ctx)
	state, err := s.loadState(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logger.Error("Cannot read the stream's checkpoint; the stream stops so that it neither loses nor repeats records. Fix the storage and restart the collector.", zap.Error(err))
			s.status.stopped(s.spec.key, err)
		}
		return
	}
	for ctx.Err() == nil {
		state = s.clampToRetention(ctx, state)
		if !state.InProgress() {
			end := state.WindowStart.Add(maxWindow)
			if horizon := s.clock.Now().Add(-s.delay).Truncate(time.Millisecond); horizon.Before(end) {
				end = horizon
			}
			if !end.After(state.WindowStart) {
				s.recordLag(ctx, state)
				_ = s.clock.Sleep(ctx, s.pollInterval)
				continue
			}
			state.WindowEnd = end
			state.QueryHash = s.spec.queryHash
		}
		next, err := s.readWindow(ctx, state)
		if err != nil {
			var tooOld *windowTooOldError
			if errors.As(err, &tooOld) {
				state = s.skipTo(ctx, state, tooOld.start)
			}
			continue // ctx ended, or the window moved: the loop decides.
		}
		state = next
		s.recordLag(ctx, state)
		// Back-to-back windows while a full hour is waiting; otherwise one window per poll.
		if state.WindowStart.Add(maxWindow).After(s.clock.Now().Add(-s.delay)) {
			_ = s.clock.Sleep(ctx, s.pollInterval)
		}
	}
}

func (s *stream) loadState(ctx context.Context) (checkpoint.State, error) {
	state, found, err := s.store.Load(ctx, s.spec.key)
	if err != nil {
		return checkpoint.State{}, err
	}
	if !found {
		start := s.clock.Now().Add(-s.initialLookback).Truncate(time.Millisecond)
		s.logger.Info("No checkpoint for this stream; starting at initial_lookback.", zap.Time("start", start))
		return checkpoint.State{WindowStart: start}, nil
	}
	if state.InProgress() && state.QueryHash != s.spec.queryHash {
		// Positions inside a window only hold for the query that produced them. Re-reading the
		// window from its start may repeat records that match both the old and the new filters,
		// which is better than skipping records that only the new filters select.
		s.logger.Warn("The stream's filters or sites changed in the middle of a window; re-reading that window from its start.",
			zap.Time("window_start", state.WindowStart), zap.Time("window_end", state.WindowEnd))
		state.Offset, state.LastFingerprint = 0, 0
		state.WindowEnd = time.Time{}
	}
	s.logger.Info("Resuming from checkpoint.", zap.Time("window_start", state.WindowStart), zap.Int("offset", state.Offset))
	return state, nil
}

// clampToRetention moves a start that the API would refuse, being older than 14 days, up to the
// oldest start it accepts. The skipped span is logged and counted.
func (s *stream) clampToRetention(ctx context.Context, state checkpoint.State) checkpoint.State {
	oldest := s.clock.Now().Add(-maxLookback + retentionMargin).Truncate(time.Millisecond)
	if !state.WindowStart.Before(oldest) {
		return state
	}
	return s.skipTo(ctx, state, oldest)
}

// skipTo abandons everything before start, which the API no longer serves.
func (s *stream) skipTo(ctx context.Context, state checkpoint.State, start time.Time) checkpoint.State {
	skipped := start.Sub(state.WindowStart)
	s.logger.Warn("Skipping logs older than the API's 14-day limit; they can no longer be read.",
		zap.Time("skipped_from", state.WindowStart), zap.Time("skipped_to", start), zap.Duration("skipped", skipped))
	s.telemetry.ForgelogsSkippedSpan.Add(ctx, skipped.Seconds(), s.attrs)
	next := checkpoint.State{WindowStart: start}
	s.save(ctx, next)
	return next
}

// windowTooOldError reports a 400 for a window the API no longer serves; start is where to go.
type windowTooOldError struct{ start time.Time }

func (e *windowTooOldError) Error() string {
	return "the API refused a window at the edge of its 14-day limit"
}

// readWindow delivers the records of state's window, page by page, resuming after state.Offset
// records. It returns the state of the next window once the last page was accepted.
func (s *stream) readWindow(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
	q := s.spec.query
	q.Start, q.End = state.WindowStart, state.WindowEnd
	startNs, endNs := uint64(state.WindowStart.UnixNano()), uint64(state.WindowEnd.UnixNano())
	previous := make(map[uint64]bool, len(state.Boundary))
	for _, fp := range state.Boundary {
		previous[fp] = true
	}
	boundary := map[uint64]struct{}{}
	position, mismatch := 0, false
	// accept decides each record of the window, in the API's order.
	accept := func(k forgeapi.RecordKey) bool {
		index := position + k.Index
		if k.Timestamp >= endNs {
			// The API's end bound was inclusive for this record; the next window returns it again.
			boundary[k.Fingerprint] = struct{}{}
		}
		if index < state.Offset {
			if index == state.Offset-1 && k.Fingerprint != state.LastFingerprint {
				mismatch = true
			}
			return false
		}
		return !(k.Timestamp < startNs+uint64(time.Millisecond) && previous[k.Fingerprint])
	}

	cursor := ""
	// Cursors already followed in this window, by hash: a repeat means the API's pagination loops.
	followed := map[uint64]struct{}{}
	for pages := 1; ; pages++ {
		page, fetchedAt, err := s.fetchPage(ctx, q, cursor, accept)
		if err != nil {
			return state, err
		}
		if mismatch {
			// The API answered the same query with different records. Resuming by position is
			// the best left: records may be repeated or missed around the resume point.
			s.logger.Warn("The API returned different records than before the restart for the same window; resuming by position.",
				zap.Time("window_start", state.WindowStart), zap.Int("offset", state.Offset))
			mismatch = false
		}
		s.countDrops(ctx, page.Drops)
		if page.Logs.LogRecordCount() > 0 {
			redecode := func() plog.Logs {
				// Processors may have changed the first attempt; decode the kept body again. accept
				// gives the same verdicts, since position has not moved yet.
				again, _ := s.decoder.Decode(s.buf.Bytes(), pcommon.NewTimestampFromTime(fetchedAt), accept)
				return again.Logs
			}
			if err := s.deliver(ctx, page.Logs, redecode, q); err != nil {
				return state, err
			}
		}
		position += page.Records
		if page.Cursor != "" {
			h := forgeapi.Fingerprint([]byte(page.Cursor))
			if _, loop := followed[h]; loop {
				s.logger.Error("The API returned a cursor it already returned in this window: its pagination loops. Ending the window here so that no page is delivered twice.",
					zap.Time("window_start", state.WindowStart), zap.Time("window_end", state.WindowEnd), zap.Int("pages", pages))
				page.Cursor = ""
			}
			followed[h] = struct{}{}
		}
		if pages%manyPages == 0 {
			s.logger.Warn("A window has an unusual number of pages; the stream goes on.",
				zap.Time("window_start", state.WindowStart), zap.Int("pages", pages), zap.Int("records", position))
		}
		if page.Cursor == "" {
			if position < state.Offset {
				s.logger.Warn("The API returned fewer records for a window than before the restart; some records may have been missed.",
					zap.Time("window_start", state.WindowStart), zap.Int("records", position), zap.Int("offset", state.Offset))
			}
			next := checkpoint.State{WindowStart: state.WindowEnd}
			for fp := range boundary {
				next.Boundary = append(next.Boundary, fp)
			}
			s.save(ctx, next)
			return next, nil
		}
		if position > state.Offset {
			state.Offset = position
			state.LastFingerprint = page.Last.Fingerprint
			s.save(ctx, state)
		}
		cursor = page.Cursor
	}
}

// fetchPage returns the next decoded page of q, retrying every failure until it succeeds or ctx
// ends. Only a 400 for a window past the 14-day limit ends it early.
func (s *stream) fetchPage(ctx context.Context, q forgeapi.Query, cursor string, accept func(forgeapi.RecordKey) bool) (forgeapi.Page, time.Time, error) {
	transient, refused := s.transient.start(), s.refused.start()
	for {
		waited, err := s.budget.Wait(ctx)
		s.telemetry.ForgelogsRateLimitWait.Add(ctx, waited.Seconds(), metric.WithAttributes(attribute.String("app_id", s.spec.query.AppID)))
		if err != nil {
			return forgeapi.Page{}, time.Time{}, err
		}
		fetchedAt := s.clock.Now()
		body, err := s.fetcher.Fetch(ctx, q, cursor, &s.buf)
		s.countRequest(ctx, err)
		if err == nil {
			var page forgeapi.Page
			page, err = s.decoder.Decode(body, pcommon.NewTimestampFromTime(fetchedAt), accept)
			if err == nil {
				s.telemetry.ForgelogsPages.Add(ctx, 1, s.attrs)
				s.status.recovered(s.spec.key)
				return page, fetchedAt, nil
			}
		}
		if ctx.Err() != nil {
			return forgeapi.Page{}, time.Time{}, ctx.Err()
		}
		fields := []zap.Field{zap.Time("window_start", q.Start), zap.Time("window_end", q.End), zap.Bool("has_cursor", cursor != ""), zap.Error(err)}
		var delay time.Duration
		statusErr, isStatus := apierror.AsStatusError(err)
		switch {
		case isStatus && statusErr.Throttled():
			delay = statusErr.RetryAfter
			if delay <= 0 {
				delay = transient.next()
			}
			// The limit is per app: every stream of the app waits, not just this one.
			s.budget.Pause(delay)
			s.logger.Info("The API rate-limited the app; pausing all of its streams.", append(fields, zap.Duration("pause", delay))...)
			continue
		case isStatus && statusErr.StatusCode == http.StatusBadRequest && q.Start.Before(s.clock.Now().Add(-maxLookback+2*retentionMargin)):
			// A window at the very edge of the 14 days: our clock and the API's disagree about
			// where the limit is. Move an hour inside it rather than ask again.
			return forgeapi.Page{}, time.Time{}, &windowTooOldError{start: s.clock.Now().Add(-maxLookback + time.Hour).Truncate(time.Millisecond)}
		case isStatus && statusErr.Refused():
			delay = refused.next()
			s.status.refused(s.spec.key, err)
			s.logger.Error("The API refused the stream's request; retrying slowly until the configuration, token or permission is fixed.",
				append(fields, zap.Int("status", statusErr.StatusCode), zap.String("reason", statusErr.Reason), zap.Duration("retry_in", delay))...)
		default:
			delay = transient.next()
			s.logger.Warn("Fetching a page failed; retrying the same page.", append(fields, zap.Duration("retry_in", delay))...)
		}
		if err := s.clock.Sleep(ctx, delay); err != nil {
			return forgeapi.Page{}, time.Time{}, err
		}
	}
}

// deliver hands logs to the pipeline until it accepts them. A permanent error drops the page,
// logged and counted; any other error retries the same page with backoff.
func (s *stream) deliver(ctx context.Context, logs plog.Logs, redecode func() plog.Logs, q forgeapi.Query) error {
	retry := s.transient.start()
	for {
		count := logs.LogRecordCount()
		opCtx := s.obsrecv.StartLogsOp(ctx)
		err := s.consumer.ConsumeLogs(opCtx, logs)
		s.obsrecv.EndLogsOp(opCtx, dataFormat, count, err)
		if err == nil {
			s.telemetry.ForgelogsRecordsReceived.Add(ctx, int64(count), s.attrs)
			return nil
		}
		if consumererror.IsPermanent(err) {
			s.logger.Error("The pipeline permanently refused a page; its records are dropped.",
				zap.Time("window_start", q.Start), zap.Time("window_end", q.End), zap.Int("records", count), zap.Error(err))
			s.countDropped(ctx, "permanent_pipeline_error", count)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		delay := retry.next()
		s.logger.Warn("The pipeline refused a page; retrying it.", zap.Int("records", count), zap.Duration("retry_in", delay), zap.Error(err))
		if err := s.clock.Sleep(ctx, delay); err != nil {
			return err
		}
		logs = redecode()
	}
}

// save commits state. A failed write is logged and the stream goes on: the data is delivered,
// and the next commit carries the progress; only a crash before then would repeat records.
func (s *stream) save(ctx context.Context, state checkpoint.State) {
	// Progress the pipeline accepted is committed even while shutting down.
	if err := s.store.Save(context.WithoutCancel(ctx), s.spec.key, state); err != nil {
		s.logger.Error("Cannot write the stream's checkpoint; a restart now would repeat records.", zap.Error(err))
	}
}

func (s *stream) recordLag(ctx context.Context, state checkpoint.State) {
	s.telemetry.ForgelogsCheckpointLag.Record(ctx, s.clock.Now().Sub(state.WindowStart).Seconds(), s.attrs)
}

func (s *stream) countRequest(ctx context.Context, err error) {
	code := http.StatusOK
	if err != nil {
		code = 0
		if se, ok := apierror.AsStatusError(err); ok {
			code = se.StatusCode
		}
	}
	s.telemetry.ForgelogsAPIRequests.Add(ctx, 1, metric.WithAttributes(
		attribute.String("app_id", s.spec.query.AppID), attribute.Int("status_code", code)))
}

func (s *stream) countDrops(ctx context.Context, d forgeapi.Drops) {
	if d.Undecodable > 0 {
		s.countDropped(ctx, "undecodable", d.Undecodable)
		s.logger.Warn("Skipped records that could not be decoded; the rest of the page is delivered.", zap.Int("records", d.Undecodable))
	}
	if d.InvalidTraceID > 0 {
		s.countDropped(ctx, "invalid_trace_id", d.InvalidTraceID)
	}
	if d.InvalidSpanID > 0 {
		s.countDropped(ctx, "invalid_span_id", d.InvalidSpanID)
	}
}

// dropReasons are the values of the reason attribute of records_dropped.
var dropReasons = []string{"undecodable", "invalid_trace_id", "invalid_span_id", "permanent_pipeline_error"}

// initMetrics starts the stream's counters at zero, so that dashboards and alerts see every series
// from the start rather than only after the first drop or skip.
func (s *stream) initMetrics(ctx context.Context) {
	for _, reason := range dropReasons {
		s.countDropped(ctx, reason, 0)
	}
	s.telemetry.ForgelogsSkippedSpan.Add(ctx, 0, s.attrs)
}

func (s *stream) countDropped(ctx context.Context, reason string, n int) {
	s.telemetry.ForgelogsRecordsDropped.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", s.spec.query.AppID),
		attribute.String("environment_id", s.spec.query.EnvironmentID),
		attribute.String("reason", reason)))
}
