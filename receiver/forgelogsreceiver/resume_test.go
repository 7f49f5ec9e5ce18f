package forgelogsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap/zapcore"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// Log messages the resume tests look for, as the stream writes them.
const (
	msgOtherRecords = "API returned other records than before the restart; resuming by position"
	msgFewerRecords = "API returned fewer records for a window than before the restart; some may be missed"
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
