package forgelogsreceiver

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap/zapcore"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// The tests of this file each defend a promise that a mutation of test/mutate showed no other
// test defended; docs/testing.md maps them.

// Log messages the tests look for, as the stream writes them.
const (
	msgOtherRecords    = "API returned other records than before the restart; resuming by position"
	msgFewerRecords    = "API returned fewer records for a window than before the restart; some may be missed"
	msgPermanentDrop   = "Pipeline permanently refused data; it is dropped"
	msgSkippingOldData = "Skipping data older than the API's 14-day limit; it can no longer be read"
)

// firstWindow reads the window [h.start, h.start+1h) to its end and returns what was delivered
// and the checkpoint of the next window, boundary fingerprints included.
func (h *harness) firstWindow(t *testing.T, spec streamSpec) (*consumertest.LogsSink, checkpoint.State) {
	t.Helper()
	sink := &consumertest.LogsSink{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.clock.StopAt(h.clock.Now().Add(24*time.Hour), cancel)
	next, err := h.newStream(spec, sink).readWindow(ctx, checkpoint.State{
		WindowStart: h.start, WindowEnd: h.start.Add(time.Hour), QueryHash: spec.queryHash,
	})
	require.NoError(t, err)
	require.Equal(t, h.start.Add(time.Hour), next.WindowStart)
	require.Len(t, next.Boundary, 3, "the record group on the boundary was delivered with the first window")
	return sink, next
}

// A window whose filters changed is read again from its start, and the records on its start that
// the previous window delivered are still not delivered twice.
func TestStreamRereadWithNewFiltersStillSkipsTheBoundary(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	first, next := h.firstWindow(t, spec)
	// A stop inside the second window, then a restart with other filters.
	inWindow := next
	inWindow.WindowEnd = next.WindowStart.Add(time.Hour)
	inWindow.Offset, inWindow.LastFingerprint, inWindow.QueryHash = 200, 1, spec.queryHash+1
	require.NoError(t, h.store.Save(context.Background(), spec.key, inWindow))

	second := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, second), 10*time.Minute)
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("Filters or sites changed").Len())
	all := invocationIDs(append(first.AllLogs(), second.AllLogs()...))
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), all)
}

// A resumed window whose record before the resume point is not the one delivered before says so,
// once, and resumes by position.
func TestStreamWarnsWhenTheAPIAnswersAResumedWindowWithOtherRecords(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{
		WindowStart: h.start, WindowEnd: h.start.Add(time.Hour), Offset: 200, LastFingerprint: 1, QueryHash: spec.queryHash,
	}))
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 10*time.Minute)

	warnings := h.logs.FilterMessage(msgOtherRecords).All()
	require.Len(t, warnings, 1)
	assert.Equal(t, zapcore.WarnLevel, warnings[0].Level)
	assert.EqualValues(t, 200, warnings[0].ContextMap()["offset"])
	assert.Zero(t, h.logs.FilterMessage(msgFewerRecords).Len())
	// By position: the window's first 200 records count as delivered, the rest are delivered.
	window := h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart)
	requireExactlyOnce(t, window[200:], invocationIDs(sink.AllLogs()))
}

// A resumed window that now holds fewer records than were delivered before says so, once.
func TestStreamWarnsWhenTheAPIAnswersAResumedWindowWithFewerRecords(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	inWindow := len(h.expectedIDs(testEnv, h.start, h.start.Add(time.Hour)))
	require.Equal(t, 1083, inWindow, "a group of 3 every 10 s, and the group on the end bound")
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{
		WindowStart: h.start, WindowEnd: h.start.Add(time.Hour), Offset: 5000, LastFingerprint: 1, QueryHash: spec.queryHash,
	}))
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 10*time.Minute)

	warnings := h.logs.FilterMessage(msgFewerRecords).All()
	require.Len(t, warnings, 1)
	assert.Equal(t, zapcore.WarnLevel, warnings[0].Level)
	assert.EqualValues(t, 5000, warnings[0].ContextMap()["offset"])
	assert.Zero(t, h.logs.FilterMessage(msgOtherRecords).Len())
	// The window counts as delivered: the stream goes on with the next one.
	got := invocationIDs(sink.AllLogs())
	for _, id := range h.expectedIDs(testEnv, h.start, h.start.Add(time.Hour-time.Millisecond)) {
		require.Zero(t, got[id], "record %s of the finished window", id)
	}
	assert.Positive(t, sink.LogRecordCount())
}

// A clean stop and restart inside a window, against an API that answers as before, resumes
// without any warning: the checkpoint recognises the record it stopped after.
func TestStreamResumesQuietlyWhenTheAPIAnswersAsBefore(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	first := &consumertest.LogsSink{}
	ctx, cancel := context.WithCancel(context.Background())
	stopAfterTwo := consumerFunc(func(ctx context.Context, logs plog.Logs) error {
		err := first.ConsumeLogs(ctx, logs)
		if len(first.AllLogs()) == 2 {
			cancel()
		}
		return err
	})
	h.clock.StopAt(h.clock.Now().Add(24*time.Hour), cancel)
	h.newStream(spec, stopAfterTwo).run(ctx)
	state := h.committed(spec)
	require.Equal(t, 400, state.Offset)
	require.NotZero(t, state.LastFingerprint)

	second := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, second), 10*time.Minute)
	assert.Zero(t, h.logs.FilterMessage(msgOtherRecords).Len())
	assert.Zero(t, h.logs.FilterMessage(msgFewerRecords).Len())
	all := invocationIDs(append(first.AllLogs(), second.AllLogs()...))
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), all)
}

// A permanent pipeline error drops the page and says so at error level, with the record count
// and the pipeline's error.
func TestStreamLogsAPermanentlyRefusedPage(t *testing.T) {
	h := newHarness(t)
	dropped := 0
	next := consumerFunc(func(_ context.Context, logs plog.Logs) error {
		if dropped == 0 {
			dropped = logs.LogRecordCount()
			return consumererror.NewPermanent(errors.New("cannot be exported"))
		}
		return nil
	})
	h.runFor(h.newStream(h.spec(testEnv), next), 2*time.Minute)

	require.Equal(t, 200, dropped, "a full page")
	entries := h.logs.FilterMessage(msgPermanentDrop).All()
	require.Len(t, entries, 1)
	assert.Equal(t, zapcore.ErrorLevel, entries[0].Level)
	assert.EqualValues(t, 200, entries[0].ContextMap()["records"])
	assert.Contains(t, entries[0].ContextMap(), "window_start")
	assert.Equal(t, "Permanent error: cannot be exported", entries[0].ContextMap()["error"], "why the pipeline refused it")
}

// A pipeline that refuses a page may have changed it first (processors own what they are given):
// the retry hands over the page as fetched, every record with the time it was fetched.
func TestStreamRetriesThePageAsFetchedAfterTheConsumerChangedIt(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	var firstIDs []string
	var firstObserved pcommon.Timestamp
	calls := 0
	next := consumerFunc(func(ctx context.Context, logs plog.Logs) error {
		calls++
		if calls == 1 {
			for id := range invocationIDs([]plog.Logs{logs}) {
				firstIDs = append(firstIDs, id)
			}
			firstObserved = logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).ObservedTimestamp()
			// Change the page, then refuse it.
			lrs := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			lrs.At(0).Body().SetStr("changed by a processor")
			lrs.RemoveIf(func(lr plog.LogRecord) bool { return lr.Body().Str() != "changed by a processor" })
			return errors.New("queue full")
		}
		return sink.ConsumeLogs(ctx, logs)
	})
	h.runFor(h.newStream(spec, next), 5*time.Minute)

	require.Greater(t, calls, 2)
	require.Equal(t, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), firstObserved.AsTime(), "fetched at once")
	retried := sink.AllLogs()[0]
	var retriedIDs []string
	for id := range invocationIDs([]plog.Logs{retried}) {
		retriedIDs = append(retriedIDs, id)
	}
	assert.ElementsMatch(t, firstIDs, retriedIDs, "the same page, whole")
	lrs := retried.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := 0; i < lrs.Len(); i++ {
		require.NotEqual(t, "changed by a processor", lrs.At(i).Body().AsString())
		require.Equal(t, firstObserved, lrs.At(i).ObservedTimestamp(), "ObservedTimestamp is when the page was fetched")
	}
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), invocationIDs(sink.AllLogs()))
}

// The skipped span is a warning, not a line among the informational ones.
func TestStreamWarnsOfTheSkippedSpan(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	old := h.clock.Now().Add(-20 * 24 * time.Hour)
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{WindowStart: old}))
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), time.Minute)

	entries := h.logs.FilterMessage(msgSkippingOldData).All()
	require.Len(t, entries, 1)
	assert.Equal(t, zapcore.WarnLevel, entries[0].Level)
	oldest := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC).Add(-14*24*time.Hour + retentionMargin)
	assert.Equal(t, oldest.Sub(old), entries[0].ContextMap()["skipped"])
}

// Every record's scope is the receiver's import path at the version of the collector build.
func TestReceiverStampsTheScopeWithTheBuildVersion(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSimServer(t, clock, 6000)
	cfg := testConfig(srv.URL, 6000)
	set := receivertest.NewNopSettings(metadata.Type)
	set.BuildInfo.Version = "1.2.3-guard"
	sink := &consumertest.LogsSink{}
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	r := rcv.(*forgeReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	clock.SetParticipants(len(streamSpecs(cfg)))
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	runUntil(t, r, clock, simNow.Add(time.Minute))

	require.Positive(t, sink.LogRecordCount())
	for _, logs := range sink.AllLogs() {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			scope := logs.ResourceLogs().At(i).ScopeLogs().At(0).Scope()
			require.Equal(t, "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", scope.Name())
			require.Equal(t, "1.2.3-guard", scope.Version())
		}
	}
}

// While behind, the next window follows at once: the two whole hours of backlog (6 pages of at
// most 200 of 1,083 records each), then the rest up to now - delay, all spaced by the budget
// alone, 2.04 s at 30 a minute. Only once less than a poll interval of logs waits does the
// stream wait for the rest of its poll interval.
func TestStreamReadsTheBacklogBackToBack(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	h.runFor(h.newStream(h.spec(testEnv), &consumertest.LogsSink{}), 3*time.Minute)

	requests := h.sim.Requests()
	rest := h.start.Add(2 * time.Hour)
	next := slices.IndexFunc(requests, func(r forgesim.Request) bool { return r.Start.After(rest) })
	require.Greater(t, next, 12, "the rest of the backlog took at least one request")
	for i, r := range requests[:next] {
		require.Equal(t, time.Duration(i)*2040*time.Millisecond, r.Time.Sub(start), "request %d", i)
		require.Equal(t, h.start.Add(min(time.Duration(i/6), 2)*time.Hour), r.Start, "request %d", i)
	}
	// Planned when the second hour's last page arrived, the rest ends one delay before its own
	// request, a turn of the budget later.
	assert.Equal(t, requests[12].Time.Add(-time.Minute), requests[12].End)
	// The window after them comes one poll interval after the rest was planned: polls keep
	// their cadence, however long a window's pages took.
	assert.Equal(t, requests[11].Time.Add(time.Minute), requests[next].Time)
}
