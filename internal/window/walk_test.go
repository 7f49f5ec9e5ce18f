package window

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

const retention = 14 * 24 * time.Hour

type recordingObserver struct {
	mu      sync.Mutex
	skipped []time.Duration
}

func (*recordingObserver) Lag(context.Context, time.Duration)   {}
func (*recordingObserver) Received(context.Context, int)        {}
func (*recordingObserver) Dropped(context.Context, string, int) {}

func (o *recordingObserver) Skipped(_ context.Context, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.skipped = append(o.skipped, d)
}

func newWalk(clock *clocktest.Fake, store checkpoint.Store) (*Walk[int], *recordingObserver) {
	obs := &recordingObserver{}
	// The metrics receiver's windows: 15 minutes, whole minutes.
	return &Walk[int]{
		Plan: metricsPlan, Clock: clock, Store: store, Key: "k",
		Status: status.New(statustest.NewHost()), Observer: obs, Logger: zap.NewNop(),
	}, obs
}

// readFunc reads a whole window at once: the walk's loop is tested with it, the steps of a window
// in drive_test.go.
type readFunc func(ctx context.Context, state checkpoint.State) (checkpoint.State, error)

// funcSource is a Source whose windows are read by read, and read again by reread.
type funcSource struct{ read, reread readFunc }

func (s funcSource) Open(state checkpoint.State) Reader[int] {
	return funcReader{read: s.read, state: state}
}

func (s funcSource) OpenReread(state checkpoint.State) Reader[int] {
	return funcReader{read: s.reread, state: state}
}

type funcReader struct {
	read  readFunc
	state checkpoint.State
}

func (r funcReader) Next(ctx context.Context) (Step[int], error) {
	next, err := r.read(ctx, r.state)
	if err != nil {
		return Step[int]{}, err
	}
	return Step[int]{Done: true, Next: next}, nil
}

// runUntil runs w with read until the fake clock reaches until.
func runUntil(w *Walk[int], clock *clocktest.Fake, until time.Time, read readFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	clock.SetParticipants(1)
	clock.StopAt(until, cancel)
	w.Run(ctx, funcSource{read: read})
}

// A stream saves where it starts before it reads anything: restarted later without having
// delivered a window (a pipeline that refused everything, say), it starts there again instead of
// at the new now - initial_lookback, which would skip what lies between.
func TestWalkKeepsItsFirstStartAcrossARestart(t *testing.T) {
	store := checkpoint.NewMemoryStore()
	clock := clocktest.NewFake(now)
	w, _ := newWalk(clock, store)
	var starts []time.Time
	// refuseAll reads on clock and never gets its window accepted.
	refuseAll := func(clock *clocktest.Fake) readFunc {
		return func(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
			starts = append(starts, state.WindowStart)
			_ = clock.Sleep(ctx, time.Hour)
			return state, ctx.Err()
		}
	}
	runUntil(w, clock, now.Add(time.Second), refuseAll(clock))

	clock = clocktest.NewFake(now.Add(5 * time.Minute))
	w, _ = newWalk(clock, store)
	runUntil(w, clock, clock.Now().Add(time.Second), refuseAll(clock))

	first := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC) // now - 1h, down to the minute
	assert.Equal(t, []time.Time{first, first}, starts)
}

// A stream without checkpoint whose initial_lookback is the whole 14 days starts at the oldest
// start the API accepts, and counts nothing as skipped: the user asked for that data, none of it
// was lost. (A skipped span fires an alert.)
func TestWalkStartsAFullLookbackInsideTheLimitWithoutASkip(t *testing.T) {
	clock := clocktest.NewFake(now)
	w, obs := newWalk(clock, checkpoint.NewMemoryStore())
	w.Plan.InitialLookback = retention
	var starts []time.Time
	runUntil(w, clock, now.Add(time.Second), func(_ context.Context, state checkpoint.State) (checkpoint.State, error) {
		starts = append(starts, state.WindowStart)
		return checkpoint.State{WindowStart: state.WindowEnd}, nil
	})
	require.NotEmpty(t, starts)
	assert.Equal(t, time.Date(2026, 11, 10, 12, 12, 0, 0, time.UTC), starts[0], "now - 14d + 10m up to the minute, plus a minute")
	assert.Empty(t, obs.skipped)
}

// A 400 taken for expiry moves a stream one window inside the limit, never backwards: from a
// position already past that point it stays, and delivers nothing twice.
func TestWalkNeverMovesBackwardsOnExpiry(t *testing.T) {
	store := checkpoint.NewMemoryStore()
	// 18 minutes inside the limit: past AfterExpiry's 15, within the 20 of the logs' edge.
	committed := now.Add(-retention + 18*time.Minute).Truncate(time.Minute)
	require.NoError(t, store.Save(context.Background(), "k", checkpoint.State{WindowStart: committed}))
	clock := clocktest.NewFake(now)
	w, obs := newWalk(clock, store)
	var starts []time.Time
	expired := false
	runUntil(w, clock, now.Add(30*time.Second), func(_ context.Context, state checkpoint.State) (checkpoint.State, error) {
		starts = append(starts, state.WindowStart)
		if !expired {
			expired = true
			return state, ErrExpired
		}
		return checkpoint.State{WindowStart: state.WindowEnd}, nil
	})
	require.GreaterOrEqual(t, len(starts), 2)
	assert.Equal(t, committed, starts[0])
	assert.Equal(t, committed, starts[1], "read again where it was, not before")
	assert.Empty(t, obs.skipped, "nothing skipped, nothing negative counted")
}

// A 400 taken for expiry at a position older than one window inside the limit moves it there,
// forward, and counts the span.
func TestWalkMovesForwardOnExpiry(t *testing.T) {
	store := checkpoint.NewMemoryStore()
	committed := now.Add(-retention + 11*time.Minute).Truncate(time.Minute)
	require.NoError(t, store.Save(context.Background(), "k", checkpoint.State{WindowStart: committed}))
	clock := clocktest.NewFake(now)
	w, obs := newWalk(clock, store)
	var starts []time.Time
	runUntil(w, clock, now.Add(30*time.Second), func(_ context.Context, state checkpoint.State) (checkpoint.State, error) {
		starts = append(starts, state.WindowStart)
		if len(starts) == 1 {
			return state, ErrExpired
		}
		return checkpoint.State{WindowStart: state.WindowEnd}, nil
	})
	require.GreaterOrEqual(t, len(starts), 2)
	inside := now.Add(-retention + 16*time.Minute).Truncate(time.Minute) // now - 14d + 15m, up to the minute
	assert.Equal(t, inside, starts[1])
	assert.Equal(t, []time.Duration{inside.Sub(committed)}, obs.skipped)
}
