package forgelogsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
)

var (
	winStart = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	winEnd   = winStart.Add(time.Hour)
)

func key(index int, at time.Time, fp uint64) logsapi.RecordKey {
	return logsapi.RecordKey{Index: index, Timestamp: uint64(at.UnixNano()), Fingerprint: fp}
}

func TestPositionAccept(t *testing.T) {
	mid := winStart.Add(30 * time.Minute)
	tests := []struct {
		name  string
		state checkpoint.State
		// read is how many records earlier pages of this run had.
		read int
		rec  logsapi.RecordKey
		want bool
	}{
		{"a new record", checkpoint.State{}, 0, key(0, mid, 1), true},
		{"delivered before the restart", checkpoint.State{Offset: 5, LastFingerprint: 9}, 0, key(4, mid, 9), false},
		{"the first after the resume point", checkpoint.State{Offset: 5, LastFingerprint: 9}, 0, key(5, mid, 10), true},
		{"the resume point spans pages", checkpoint.State{Offset: 5, LastFingerprint: 9}, 3, key(1, mid, 9), false},
		{"on the start, delivered by the previous window", checkpoint.State{Boundary: []uint64{7}}, 0, key(0, winStart, 7), false},
		{"on the start, not delivered before", checkpoint.State{Boundary: []uint64{7}}, 0, key(0, winStart, 8), true},
		{"same fingerprint later in the window is another record", checkpoint.State{Boundary: []uint64{7}}, 0, key(3, mid, 7), true},
		{"on the end: delivered now, and remembered", checkpoint.State{}, 0, key(0, winEnd, 4), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := tt.state
			state.WindowStart, state.WindowEnd = winStart, winEnd
			p := newPosition(state)
			p.read = tt.read
			assert.Equal(t, tt.want, p.accept(tt.rec))
			assert.Equal(t, tt.want, p.accept(tt.rec), "the same verdict when the page is decoded again")
		})
	}
}

func TestPositionDetectsAnotherRecordAtTheResumePoint(t *testing.T) {
	p := newPosition(checkpoint.State{WindowStart: winStart, WindowEnd: winEnd, Offset: 2, LastFingerprint: 9})
	p.accept(key(0, winStart, 8))
	p.accept(key(1, winStart, 3)) // not 9
	assert.True(t, p.takeMismatch())
	assert.False(t, p.takeMismatch(), "said once")
}

func TestPositionProgressAndNext(t *testing.T) {
	p := newPosition(checkpoint.State{WindowStart: winStart, WindowEnd: winEnd, QueryHash: 42})
	p.accept(key(0, winStart.Add(time.Minute), 1))
	p.accept(key(1, winEnd, 5))
	p.advance(2, key(1, winEnd, 5))
	assert.Equal(t, checkpoint.State{WindowStart: winStart, WindowEnd: winEnd, QueryHash: 42, Offset: 2, LastFingerprint: 5}, p.progress())
	p.accept(key(0, winEnd, 2))
	p.advance(1, key(0, winEnd, 2))
	assert.Equal(t, checkpoint.State{WindowStart: winEnd, Boundary: []uint64{2, 5}}, p.next())
	assert.False(t, p.short())
}

func TestPositionShortWindow(t *testing.T) {
	p := newPosition(checkpoint.State{WindowStart: winStart, WindowEnd: winEnd, Offset: 10, LastFingerprint: 1})
	p.advance(4, key(3, winStart, 1))
	assert.True(t, p.short(), "the window had 4 records where 10 were delivered before")
	assert.Equal(t, 10, p.progress().Offset, "the position never moves back")
}

func TestLoopGuard(t *testing.T) {
	var g loopGuard
	assert.False(t, g.seenCursor(""))
	assert.False(t, g.seenCursor("A"))
	assert.False(t, g.seenCursor("B"))
	assert.True(t, g.seenCursor("A"))
	assert.False(t, g.seenCursor(""), "the last page has no cursor, every window")
	assert.False(t, g.seenPage(1))
	assert.False(t, g.seenPage(2))
	assert.True(t, g.seenPage(1))
}
