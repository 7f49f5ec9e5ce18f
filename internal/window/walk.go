package window

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/retry"
	"github.com/forgelogs/otelcol-forge/internal/status"
)

// Observer receives a walk's measurements.
type Observer interface {
	// Lag records how far the committed position is behind now.
	Lag(ctx context.Context, lag time.Duration)
	// Skipped adds a span abandoned to the API's retention limit.
	Skipped(ctx context.Context, span time.Duration)
	// Received adds n items the pipeline accepted.
	Received(ctx context.Context, n int)
	// Dropped adds n items dropped for reason.
	Dropped(ctx context.Context, reason string, n int)
}

// Walk moves one stream through time, drives its source through each window and keeps its
// checkpoint: it is the one place that commits.
type Walk[T any] struct {
	Plan  Plan
	Clock clock.Clock
	Store checkpoint.Store
	// Key names the stream's checkpoint.
	Key string
	// QueryHash identifies the stream's filters; a position inside a window means nothing for
	// another query.
	QueryHash uint64
	Status    *status.Streams
	Observer  Observer
	Logger    *zap.Logger
	// Caller runs the stream's requests, Handover gives their data to Sink.
	Caller   *retry.Caller
	Handover *retry.Handover
	Sink     Sink[T]

	// reread, when the source reads windows a second time and Plan.LateArrival is above zero,
	// reads state.Reread's window again (see reread.go).
	reread Rereader[T]
	// committed is the start of the window after the last commit: everything before it is delivered.
	committed time.Time
	// moved is set when the API refused a window as too old, until a request succeeds.
	moved bool
}

// Run walks src until ctx ends. It never returns on its own, except when the checkpoint cannot be
// read: resuming from a guess would lose or repeat data.
func (w *Walk[T]) Run(ctx context.Context, src Source[T]) {
	w.reread, _ = src.(Rereader[T])
	state, err := w.load(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.Logger.Error("Checkpoint unreadable; stream stopped so that it neither loses nor repeats data. Fix the storage and restart the collector.", zap.Error(err))
			w.Status.Stopped(w.Key, err)
		}
		return
	}
	w.committed = state.WindowStart
	for ctx.Err() == nil {
		if oldest := w.Plan.Oldest(w.Clock.Now()); state.WindowStart.Before(oldest) {
			state = w.skipTo(ctx, state, oldest)
		}
		if next, done := w.rereadIfDue(ctx, state); done {
			state = next
			continue
		}
		if !state.InProgress() {
			end, ok := w.Plan.End(state.WindowStart, w.Clock.Now())
			if !ok {
				w.RecordLag(ctx)
				state = w.pause(ctx, state, w.Clock.Now())
				continue
			}
			state.WindowEnd, state.QueryHash = end, w.QueryHash
		}
		planned := w.Clock.Now()
		next, err := w.read(ctx, src.Open(state))
		switch {
		case errors.Is(err, ErrExpired):
			// Never backwards: that would deliver again what was committed.
			if target := w.Plan.AfterExpiry(w.Clock.Now()); target.After(state.WindowStart) {
				state = w.skipTo(ctx, state, target)
			}
			continue
		case err != nil:
			continue // ctx ended: the loop ends.
		}
		w.settle(&next, state, planned)
		w.Commit(ctx, next)
		state = next
		w.RecordLag(ctx)
		if w.Plan.CaughtUp(state.WindowStart, w.Clock.Now()) {
			state = w.pause(ctx, state, w.pollStart(planned))
		}
	}
}

// Read reads state's window of src alone, as Run does, and returns the next window's state; it
// commits what the pipeline accepted inside the window, not the next window's state.
func (w *Walk[T]) Read(ctx context.Context, src Source[T], state checkpoint.State) (checkpoint.State, error) {
	return w.read(ctx, src.Open(state))
}

func (w *Walk[T]) load(ctx context.Context) (checkpoint.State, error) {
	state, found, err := w.Store.Load(ctx, w.Key)
	if err != nil {
		return checkpoint.State{}, err
	}
	if !found {
		start := w.Plan.First(w.Clock.Now())
		w.Logger.Info("No checkpoint; starting at initial_lookback", zap.Time("start", start))
		// Saved at once: a restart before the first window is delivered must start here, not at a
		// later now - initial_lookback, which would skip what lies between.
		state := checkpoint.State{WindowStart: start}
		if w.rereads() {
			state.Reread.Start = start
		}
		w.Commit(ctx, state)
		return state, nil
	}
	if state.InProgress() && state.QueryHash != w.QueryHash {
		// Re-reading the window from its start may repeat data that matches both the old and the
		// new filters, which is better than skipping data that only the new filters select.
		w.Logger.Warn("Filters or sites changed in the middle of a window; re-reading it from its start",
			zap.Time("window_start", state.WindowStart), zap.Time("window_end", state.WindowEnd))
		reread := state.Reread
		state = checkpoint.State{WindowStart: state.WindowStart, Boundary: state.Boundary}
		state.Reread = reread
	}
	state = w.loadReread(state)
	w.Logger.Info("Resuming from checkpoint", zap.Time("window_start", state.WindowStart), zap.Int("offset", state.Offset))
	return state, nil
}

// skipTo abandons everything before start, which the API no longer serves, saying so.
func (w *Walk[T]) skipTo(ctx context.Context, state checkpoint.State, start time.Time) checkpoint.State {
	skipped := start.Sub(state.WindowStart)
	w.Logger.Warn("Skipping data older than the API's 14-day limit; it can no longer be read",
		zap.Time("skipped_from", state.WindowStart), zap.Time("skipped_to", start), zap.Duration("skipped", skipped))
	w.Observer.Skipped(ctx, skipped)
	next := checkpoint.State{WindowStart: start}
	if state.Reread.Active() {
		next.Reread.Start = start
	}
	w.Commit(ctx, next)
	return next
}

// Commit saves state. Callers commit only what the pipeline accepted. A failed write is logged
// and the stream goes on: the data is delivered, and the next commit carries the progress.
func (w *Walk[T]) Commit(ctx context.Context, state checkpoint.State) {
	// Progress the pipeline accepted is committed even while shutting down.
	if err := w.Store.Save(context.WithoutCancel(ctx), w.Key, state); err != nil {
		w.Logger.Error("Checkpoint not written; a restart now would repeat data", zap.Error(err))
	}
	w.committed = state.WindowStart
}

// RecordLag measures how far the committed position is behind now. The walk records it after
// each window and while caught up; the stream's calls record it while they retry, so that the lag
// of a stream stuck on a refusal keeps growing instead of freezing at its last value.
func (w *Walk[T]) RecordLag(ctx context.Context) {
	if !w.committed.IsZero() {
		w.Observer.Lag(ctx, w.Clock.Now().Sub(w.committed))
	}
}
