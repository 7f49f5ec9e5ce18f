package window

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// lateLogsPlan is the logs receiver's shape at its defaults, late_arrival included.
var lateLogsPlan = Plan{Max: time.Hour, Align: time.Millisecond, Delay: 2 * time.Second, LateArrival: 10 * time.Minute,
	PollInterval: 5 * time.Second, Cadence: true, InitialLookback: time.Hour, Retention: retention, RetentionMargin: 10 * time.Minute}

func TestRereadEnd(t *testing.T) {
	reached := now.Add(-2 * time.Second)
	for _, tc := range []struct {
		name       string
		start      time.Time
		reached    time.Time
		wantEnd    time.Time
		wantReread bool
	}{
		{"less than a minute late_arrival old: wait", now.Add(-10*time.Minute - 59*time.Second), reached, time.Time{}, false},
		{"a minute: read it", now.Add(-11 * time.Minute), reached, now.Add(-10 * time.Minute), true},
		{"behind: up to late_arrival before now", now.Add(-30 * time.Minute), reached, now.Add(-10 * time.Minute), true},
		{"far behind: at most an hour", now.Add(-3 * time.Hour), reached, now.Add(-2 * time.Hour), true},
		{"never past the first reading", now.Add(-30 * time.Minute), now.Add(-20 * time.Minute), now.Add(-20 * time.Minute), true},
		{"first reading less than a minute ahead: wait", now.Add(-30 * time.Minute), now.Add(-29*time.Minute - time.Second), time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end, ok := lateLogsPlan.RereadEnd(tc.start, tc.reached, now)
			assert.Equal(t, tc.wantReread, ok)
			if ok {
				assert.Equal(t, tc.wantEnd, end)
			}
		})
	}
	due, ok := lateLogsPlan.RereadDue(now.Add(-30*time.Minute), reached)
	assert.True(t, ok)
	assert.Equal(t, now.Add(-30*time.Minute+11*time.Minute), due)
	_, ok = lateLogsPlan.RereadDue(now.Add(-30*time.Minute), now.Add(-29*time.Minute-time.Second))
	assert.False(t, ok, "only the first reading can make it due")
}

// A checkpoint written without late_arrival (today's format) says nothing of what was delivered:
// the second reading starts where nothing delivered can be read again, after the window the
// checkpoint stands in; with late_arrival off, a second reading's progress is dropped.
func TestWalkFitsALoadedCheckpointsSecondReading(t *testing.T) {
	inWindow := checkpoint.State{WindowStart: now.Add(-time.Hour), WindowEnd: now.Add(-30 * time.Minute), Offset: 7, LastFingerprint: 3}
	between := checkpoint.State{WindowStart: now.Add(-time.Hour)}
	rereading := checkpoint.State{WindowStart: now.Add(-time.Hour), Reread: checkpoint.Reread{
		Start: now.Add(-80 * time.Minute), Delivered: []checkpoint.Delivered{{At: now.Add(-70 * time.Minute).UnixNano(), Fingerprint: 9}},
	}}
	for _, tc := range []struct {
		name    string
		stored  checkpoint.State
		late    bool
		wantRR  checkpoint.Reread
		wantPos checkpoint.State
	}{
		{"old checkpoint inside a window", inWindow, true, checkpoint.Reread{Start: inWindow.WindowEnd}, inWindow},
		{"old checkpoint between windows", between, true, checkpoint.Reread{Start: between.WindowStart}, between},
		{"second reading kept", rereading, true, rereading.Reread, checkpoint.State{WindowStart: rereading.WindowStart}},
		{"late_arrival turned off", rereading, false, checkpoint.Reread{}, checkpoint.State{WindowStart: rereading.WindowStart}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := checkpoint.NewMemoryStore()
			require.NoError(t, store.Save(context.Background(), "k", tc.stored))
			w, _ := newWalk(clocktest.NewFake(now), store)
			w.Plan = lateLogsPlan
			if tc.late {
				w.reread = funcSource{reread: func(_ context.Context, s checkpoint.State) (checkpoint.State, error) { return s, nil }}
			}
			state, err := w.load(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tc.wantRR, state.Reread)
			state.Reread = checkpoint.Reread{}
			assert.Equal(t, tc.wantPos, state, "the first reading's position is untouched")
		})
	}
}
