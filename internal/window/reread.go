package window

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// The second reading (late_arrival): the API may serve a record some time after its timestamp,
// after the first reading of its window. Once a window is LateArrival old it is read again and
// only the records that no reading delivered before are handed over. The checkpoint carries
// where the second reading stands and what was delivered since (checkpoint.Reread), so that this
// holds across restarts.

// rereads reports whether the walk reads its windows a second time.
func (w *Walk[T]) rereads() bool { return w.reread != nil && w.Plan.LateArrival > 0 }

// loadReread fits a loaded checkpoint's second reading to the configuration.
func (w *Walk[T]) loadReread(state checkpoint.State) checkpoint.State {
	switch {
	case !w.rereads():
		state.Reread = checkpoint.Reread{}
	case !state.Reread.Active():
		// Written without late_arrival: what was delivered before is unknown, so reading it again
		// could repeat it. The second reading starts after the window the checkpoint stands in.
		start := state.WindowStart
		if state.InProgress() {
			start = state.WindowEnd
		}
		state.Reread = checkpoint.Reread{Start: start}
		w.Logger.Info("Reading windows a second time from here on (late_arrival)", zap.Time("from", start))
	}
	return state
}

// settle moves the second reading past the part of a window that was already LateArrival old
// when its first reading began: the API served by then all it ever will within late_arrival, so
// a window read while catching up is read once. read is the state the window was read from,
// planned when its reading began.
func (w *Walk[T]) settle(next *checkpoint.State, read checkpoint.State, planned time.Time) {
	// A window resumed after a restart may have been read in part long before planned.
	if !next.Reread.Active() || read.InProgress() || next.Reread.Start.Before(read.WindowStart) {
		return
	}
	// next starts where the window really ended: a reader may end it later than planned.
	final := planned.Add(-w.Plan.LateArrival).Truncate(w.Plan.Align)
	if next.WindowStart.Before(final) {
		final = next.WindowStart
	}
	next.Reread.MoveTo(final)
}

// rereadIfDue reads the next window of the second reading if it is due, and reports whether it
// tried. The window's checkpoint is committed once the pipeline accepted its records.
func (w *Walk[T]) rereadIfDue(ctx context.Context, state checkpoint.State) (checkpoint.State, bool) {
	if !w.rereads() || !state.Reread.Active() {
		return state, false
	}
	now := w.Clock.Now()
	if state.Reread.End.IsZero() {
		if oldest := w.Plan.Oldest(now); state.Reread.Start.Before(oldest) && !oldest.After(state.WindowStart) {
			state.Reread.MoveTo(oldest)
		}
		end, ok := w.Plan.RereadEnd(state.Reread.Start, state.WindowStart, now)
		if !ok {
			return state, false
		}
		state.Reread.End = end
	}
	end := state.Reread.End
	next, err := w.read(ctx, w.reread.OpenReread(state))
	switch {
	case errors.Is(err, ErrExpired):
		// Only late records of that window are lost, and the API no longer serves it anyway.
		w.Logger.Warn("Window too old to read a second time; records the API served late in it are not looked for",
			zap.Time("window_start", state.Reread.Start), zap.Time("window_end", end))
		next = state
	case err != nil:
		return state, true // ctx ended: the loop ends.
	}
	next.Reread.End = time.Time{}
	next.Reread.MoveTo(end)
	w.Commit(ctx, next)
	return next, true
}

// pollStart is where the pause after a poll planned at planned counts from: the poll's start
// with Plan.Cadence, so that a turn waited for in the budget does not lengthen the cycle, else
// its end.
func (w *Walk[T]) pollStart(planned time.Time) time.Time {
	if w.Plan.Cadence {
		return planned
	}
	return w.Clock.Now()
}

// pause waits PollInterval from from before the next first reading, reading windows a second time
// meanwhile when they fall due, so that the first readings keep their pace.
func (w *Walk[T]) pause(ctx context.Context, state checkpoint.State, from time.Time) checkpoint.State {
	until := from.Add(w.Plan.PollInterval)
	for ctx.Err() == nil {
		if next, done := w.rereadIfDue(ctx, state); done {
			state = next
			continue
		}
		now := w.Clock.Now()
		if !now.Before(until) {
			break
		}
		wake := until
		if w.rereads() && state.Reread.Active() {
			if due, ok := w.Plan.RereadDue(state.Reread.Start, state.WindowStart); ok && due.Before(wake) {
				wake = due
			}
		}
		_ = w.Clock.Sleep(ctx, wake.Sub(now))
	}
	return state
}
