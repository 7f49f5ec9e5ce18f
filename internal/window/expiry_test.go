package window

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap/zapcore"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// errTooOld is the API's 400 for data it no longer serves, or for a bad query: it does not say which.
var errTooOld error = &apierror.StatusError{StatusCode: http.StatusBadRequest, Reason: `{"message":"invalid start"}`}

// The 14-day rule on the logs' plan: a 400 for data within 20 minutes (twice the margin) of the
// limit means the API's clock already put it past. The stream is moved inside the limit, which is
// said once; a 400 that repeats after the move is a refusal (a bad filter, say), reported and
// retried slowly; a success ends the move; while moved, data within the 10-minute margin of the
// limit by this clock is expired again.
func TestWalkTakesA400AtTheRetentionEdgeForExpiryOnceThenForARefusal(t *testing.T) {
	f := newDriveFixture(t)
	f.store.unchecked = true
	w := f.walk()
	edgeLog := func() int { return f.logs.FilterMessageSnippet("14-day edge").Len() }
	// window reads a window whose one step asks for data from inside the limit, failing first with failures.
	window := func(inside time.Duration, failures ...error) error {
		src := &scriptedSource{f: f, steps: []func(time.Time) Step[records]{
			func(now time.Time) Step[records] {
				return Step[records]{
					Start: now.Add(-retention + inside),
					Fetch: f.fetching("edge", nil, Commit{State: checkpoint.State{WindowStart: firstEnd}, Done: true}, failures...),
				}
			},
		}}
		_, err := f.read(w, src)
		return err
	}

	// 15 minutes inside the limit: within the 20-minute edge, not within the 10-minute margin.
	require.ErrorIs(t, window(15*time.Minute, errTooOld), ErrExpired)
	assert.Equal(t, 1, edgeLog())
	said := f.logs.FilterMessageSnippet("14-day edge").All()[0]
	assert.Equal(t, zapcore.WarnLevel, said.Level)
	assert.Empty(t, f.host.Statuses(), "no refusal: nothing to fix")

	// Moved: the same 400 is now a refusal, retried slowly and reported, until the API answers.
	start := len(f.api.requests())
	require.NoError(t, window(15*time.Minute, errTooOld, errTooOld))
	assert.Equal(t, []time.Duration{2 * time.Minute, 4 * time.Minute}, f.api.gaps()[start:], "retried as a refusal")
	assert.Len(t, f.logs.FilterMessageSnippet("API refused the request").All(), 2)
	assert.Equal(t, 1, edgeLog(), "moved once only")
	assert.Equal(t, []componentstatus.Status{
		componentstatus.StatusRecoverableError, componentstatus.StatusRecoverableError, componentstatus.StatusOK,
	}, f.host.Statuses())

	// The success ended the move: a 400 at the edge is expired again.
	require.ErrorIs(t, window(15*time.Minute, errTooOld), ErrExpired)
	assert.Equal(t, 2, edgeLog())
	// And while moved, data within the margin by this clock is expired, not refused.
	require.ErrorIs(t, window(5*time.Minute, errTooOld), ErrExpired)
	assert.Equal(t, 3, edgeLog())
	assert.Len(t, f.logs.FilterMessageSnippet("API refused the request").All(), 2, "no more refusals")
}

// A step that knows how to move past the edge itself (an environment far behind the others)
// keeps the window: the positions its Expired returns for the target one window inside the limit
// are saved, and the reader is asked for its next step.
func TestWalkKeepsTheWindowOfAStepThatMovesPastTheEdgeItself(t *testing.T) {
	f := newDriveFixture(t)
	f.store.unchecked = true
	var targets []time.Time
	var asked time.Time
	src := &scriptedSource{f: f, end: checkpoint.State{WindowStart: firstEnd}, steps: []func(time.Time) Step[records]{
		func(now time.Time) Step[records] {
			asked = now
			return Step[records]{
				Start: now.Add(-retention + 15*time.Minute),
				Fetch: f.fetching("edge", nil, Commit{}, errTooOld),
				Expired: func(_ context.Context, target time.Time) []Entry {
					targets = append(targets, target)
					return []Entry{{Key: "env/a", State: checkpoint.State{WindowStart: target}}}
				},
			}
		},
	}}
	next, err := f.read(f.walk(), src)

	require.NoError(t, err)
	assert.Equal(t, checkpoint.State{WindowStart: firstEnd}, next, "the window went on to its end")
	assert.Equal(t, 2, src.nexts)
	inside := logsPlan.AfterExpiry(asked)
	assert.Equal(t, []time.Time{inside}, targets)
	saved, found, err := f.store.Load(context.Background(), "env/a")
	require.NoError(t, err)
	require.True(t, found, "the moved position is saved")
	assert.Equal(t, checkpoint.State{WindowStart: inside}, saved)
	assert.Equal(t, []string{"fetch edge", "save env/a"}, f.events.all())
	assert.Equal(t, 1, f.logs.FilterMessageSnippet("14-day edge").Len())
}

// Through the whole walk: a 400 for a window within the edge moves the stream one window inside
// the limit, forward, says so and counts the span; the records from there on are delivered.
func TestWalkMovesAStreamPastA400AtTheRetentionEdge(t *testing.T) {
	f := newDriveFixture(t)
	stale := now.Add(-retention + 15*time.Minute)
	require.NoError(t, f.store.MemoryStore.Save(context.Background(), streamKey, checkpoint.State{WindowStart: stale}))
	f.api.fail = func(_ context.Context, call int, _ time.Time) error {
		if call == 1 {
			return errTooOld
		}
		return nil
	}
	f.run(now.Add(time.Second))

	inside := logsPlan.AfterExpiry(now)
	requests := f.api.requests()
	require.GreaterOrEqual(t, len(requests), 2)
	assert.Equal(t, stale, requests[0].start)
	assert.Equal(t, inside, requests[1].start, "one window inside the limit")
	assert.Equal(t, []time.Duration{inside.Sub(stale)}, f.obs.skipped)
	assert.Equal(t, 1, f.logs.FilterMessageSnippet("14-day edge").Len())
	assert.Equal(t, 1, f.logs.FilterMessageSnippet("Skipping data older than the API's 14-day limit").Len())
	assert.Empty(t, f.host.Statuses(), "no refusal")
	accepted := f.sink.acceptedRecords()
	require.NotEmpty(t, accepted)
	assert.Equal(t, recordsIn(inside, inside.Add(time.Hour))[0], accepted[0])
	assert.Equal(t, f.delivered(f.committed()), accepted)
}
