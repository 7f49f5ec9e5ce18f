package forgelogsreceiver

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap/zapcore"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// The log message of a page the pipeline refused for good, as the stream writes it.
const msgPermanentDrop = "Pipeline permanently refused data; it is dropped"

// acceptedBeforeCommit checks the checkpoint's invariant at every commit: every record before
// the committed position is already in the sink.
type acceptedBeforeCommit struct {
	checkpoint.Store
	t       *testing.T
	h       *harness
	env     string
	sink    *consumertest.LogsSink
	commits atomic.Int64
}

func (a *acceptedBeforeCommit) Save(ctx context.Context, key string, state checkpoint.State) error {
	a.commits.Add(1)
	var covered []string // a stream saves its first start before reading: that covers nothing
	if state.WindowStart.After(a.h.start) {
		covered = a.h.expectedIDs(a.env, a.h.start, state.WindowStart)
	}
	if state.InProgress() {
		inWindow := a.h.expectedIDs(a.env, state.WindowStart, state.WindowEnd)
		covered = append(covered, inWindow[:state.Offset]...)
	}
	delivered := invocationIDs(a.sink.AllLogs())
	for _, id := range covered {
		if delivered[id] == 0 {
			a.t.Errorf("commit %+v covers record %s, which the pipeline has not accepted", state, id)
			return nil
		}
	}
	return a.Store.Save(ctx, key, state)
}

func (h *harness) checkCommits(t *testing.T, env string, sink *consumertest.LogsSink) *acceptedBeforeCommit {
	a := &acceptedBeforeCommit{Store: h.store, t: t, h: h, env: env, sink: sink}
	h.store = a
	return a
}

// refusingSink accepts only when accept says so, and keeps what it accepted.
type refusingSink struct {
	consumertest.LogsSink
	calls  atomic.Int64
	accept func(call int64) error
}

func (r *refusingSink) ConsumeLogs(ctx context.Context, logs plog.Logs) error {
	if err := r.accept(r.calls.Add(1)); err != nil {
		return err
	}
	return r.LogsSink.ConsumeLogs(ctx, logs)
}

func TestStreamCommitsOnlyWhatThePipelineAccepted(t *testing.T) {
	for name, refuse := range map[string]func(int64) error{
		"accepting pipeline": func(int64) error { return nil },
		"pipeline refusing every other call": func(call int64) error {
			if call%2 == 1 {
				return errors.New("queue full")
			}
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			spec := h.spec(testEnv)
			sink := &refusingSink{accept: refuse}
			commits := h.checkCommits(t, testEnv, &sink.LogsSink)
			h.runFor(h.newStream(spec, sink), 20*time.Minute)
			assert.Greater(t, commits.commits.Load(), int64(10), "pages and windows were committed")
			requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), invocationIDs(sink.AllLogs()))
		})
	}
}

// Stopping while the pipeline keeps refusing a page is no acceptance: nothing is committed.
func TestStreamStoppedWhileThePipelineRefusesCommitsNothing(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	sink := &refusingSink{accept: func(int64) error { return errors.New("queue full") }}
	h.checkCommits(t, testEnv, &sink.LogsSink)
	h.runFor(h.newStream(spec, sink), 10*time.Minute)
	require.Greater(t, sink.calls.Load(), int64(3), "the page was retried")
	state, found, err := h.store.Load(context.Background(), spec.key)
	require.NoError(t, err)
	require.True(t, found, "the stream saved where it starts")
	assert.Equal(t, checkpoint.State{WindowStart: h.start}, state, "no progress for a page the pipeline never accepted")
}

// A crash at any moment loses nothing: before the pipeline accepted a page, the restart reads it
// again; after it accepted but before the commit, the restart repeats that one page only.
func TestStreamCrashLosesNothing(t *testing.T) {
	for _, tt := range []struct {
		name          string
		crashAt       int64
		beforeAccept  bool
		maxDuplicates int
	}{
		{"inside the pipeline, first page", 1, true, 0},
		{"inside the pipeline, fourth page", 4, true, 0},
		{"after acceptance, before the first commit", 1, false, 200},
		{"after acceptance, before the fifth commit", 5, false, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			spec := h.spec(testEnv)
			ctx, cancel := context.WithCancel(context.Background())
			h.clock.StopAt(h.clock.Now().Add(24*time.Hour), cancel)
			first := &refusingSink{accept: func(call int64) error {
				if tt.beforeAccept && call == tt.crashAt {
					cancel() // the process dies while the exporter holds the page
					return errors.New("killed")
				}
				return nil
			}}
			store := h.store
			if !tt.beforeAccept {
				h.store = &crashingStore{Store: store, crashAt: int(tt.crashAt), crash: cancel}
			}
			h.newStream(spec, first).run(ctx)
			h.store = store

			second := &consumertest.LogsSink{}
			h.runFor(h.newStream(spec, second), 30*time.Minute)
			all := invocationIDs(append(first.AllLogs(), second.AllLogs()...))
			duplicates := 0
			for id, n := range all {
				if n > 1 {
					duplicates++
					all[id] = 1
				}
			}
			assert.LessOrEqual(t, duplicates, tt.maxDuplicates)
			requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), all)
		})
	}
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
