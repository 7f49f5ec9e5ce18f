package window

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// A receiver's stream is a Source: it knows how to ask for and decode the data of a window, and
// where it stands inside one. The walk drives it: it fetches each piece through the stream's
// retry.Caller, hands it to the pipeline through retry.Handover until the pipeline accepted it,
// and only then commits. Nothing else commits, and nothing in a source holds the walk.

// Source reads the windows of one stream.
type Source[T any] interface {
	// Open returns the reader of state's window [WindowStart, WindowEnd), resuming after what
	// state says was delivered of it.
	Open(state checkpoint.State) Reader[T]
}

// Rereader is a Source that reads windows a second time (Plan.LateArrival): OpenReread returns the
// reader of state.Reread's window [Start, End), which hands over only what no reading delivered.
type Rereader[T any] interface {
	OpenReread(state checkpoint.State) Reader[T]
}

// Reader reads one window, one request at a time.
type Reader[T any] interface {
	// Next plans the window's next step without sending anything. Its error ends the window
	// unread: ctx's, or ErrExpired.
	Next(ctx context.Context) (Step[T], error)
}

// Step is what a reader does next: fetch a piece, or end the window, after saving the positions
// it moved without data.
type Step[T any] struct {
	// Save are checkpoints of other keys to write first: positions a reader moved without data
	// (where a newly listed environment starts, a span the API no longer serves).
	Save []Entry
	// Fetch sends the piece's one request and decodes the answer into a piece. When it fails, the
	// failure is classified and waited out and Fetch called again, until it succeeds or ctx ends.
	// nil fetches nothing: the reader is asked for its next step, or the window ends with Done.
	Fetch func(ctx context.Context) (Piece[T], error)
	// Start is where the data the step asks for starts: the 14-day rule reads it.
	Start time.Time
	// Done ends the window: Next is the state of the next window, which the walk commits.
	Done bool
	Next checkpoint.State
	// Interrupt, when it closes before Fetch succeeded, abandons the step: the reader is asked
	// for its next step again.
	Interrupt <-chan struct{}
	// Expired, when set, takes the API's refusal of the step as too old: it returns the positions
	// moved to target, and the window goes on. When nil, the window ends with ErrExpired.
	Expired func(ctx context.Context, target time.Time) []Entry
	// Fields describe the step in logs.
	Fields []zap.Field
}

// Piece is one answer, decoded.
type Piece[T any] struct {
	Data T
	// Count is how many items Data holds; 0 hands over nothing.
	Count int
	// Again decodes the answer again as it was fetched: a retried hand-over gets that, not Data,
	// which processors may have changed.
	Again func() T
	// Accepted moves the reader past the piece once the pipeline took it (or refused it for good)
	// and returns what to commit.
	Accepted func(ctx context.Context) Commit
	// Release, when set, gives back what the piece holds (its page slot) once the pipeline
	// accepted it and Accepted moved the reader past it.
	Release func()
}

// Commit is what the walk saves once the pipeline accepted a piece.
type Commit struct {
	// State is the stream's checkpoint after the piece. With Done the window is read and State is
	// the next window's, which the walk commits once it placed the second reading.
	State checkpoint.State
	Done  bool
	// Others are the checkpoints of other keys that the piece moved (an environment's position).
	Others []Entry
	// OthersOnly keeps the stream's checkpoint as it is: the piece moved Others alone.
	OthersOnly bool
}

// Entry is the checkpoint of one key.
type Entry struct {
	Key   string
	State checkpoint.State
}

// Sink hands data to the pipeline.
type Sink[T any] interface {
	Consume(ctx context.Context, data T) error
	// Unit names the items of the data in logs: records, points.
	Unit() string
}

// ErrExpired ends a window that the API refused as older than its 14 days.
var ErrExpired = errors.New("the API refused a window at the edge of its 14-day limit")

// errInterrupted ends a fetch whose step was interrupted.
var errInterrupted = errors.New("step interrupted")

// ReasonPermanentPipelineError is the drop reason of data the pipeline refused for good.
const ReasonPermanentPipelineError = "permanent_pipeline_error"

// read drives r through one window and returns the next window's state once the pipeline
// accepted all of it: each piece is fetched, handed over until accepted, then committed.
func (w *Walk[T]) read(ctx context.Context, r Reader[T]) (checkpoint.State, error) {
	for {
		step, err := r.Next(ctx)
		if err != nil {
			return checkpoint.State{}, err
		}
		w.save(ctx, step.Save)
		if step.Fetch == nil {
			if step.Done {
				return step.Next, nil
			}
			continue
		}
		piece, err := w.fetch(ctx, step)
		switch {
		case errors.Is(err, errInterrupted):
			continue
		case errors.Is(err, ErrExpired) && step.Expired != nil:
			w.save(ctx, step.Expired(ctx, w.Plan.AfterExpiry(w.Clock.Now())))
			continue
		case err != nil:
			return checkpoint.State{}, err
		}
		commit, err := w.handOver(ctx, piece, step.Fields)
		if err != nil {
			return checkpoint.State{}, err
		}
		w.save(ctx, commit.Others)
		switch {
		case commit.Done:
			return commit.State, nil
		case !commit.OthersOnly:
			w.Commit(ctx, commit.State)
		}
	}
}

// fetch runs step's request until it succeeds, ctx ends (its error), the step is interrupted
// (errInterrupted), or the API refuses it as too old (ErrExpired).
func (w *Walk[T]) fetch(ctx context.Context, step Step[T]) (Piece[T], error) {
	var piece Piece[T]
	expired := false
	final := func(err error) bool {
		expired = w.Plan.Expired(err, step.Start, w.Clock.Now(), w.moved)
		return expired
	}
	fetchCtx, stopWatching := interruptedBy(ctx, step.Interrupt)
	err := w.Caller.Do(fetchCtx, func(ctx context.Context) error {
		var err error
		piece, err = step.Fetch(ctx)
		return err
	}, final, step.Fields...)
	interrupted := stopWatching()
	switch {
	case err == nil:
		w.moved = false
		return piece, nil
	case expired:
		w.moved = true
		w.Logger.Warn("API refused a window at the 14-day edge; moving the stream inside the limit", append(step.Fields, zap.Error(err))...)
		return piece, ErrExpired
	case ctx.Err() == nil && interrupted:
		return piece, errInterrupted
	}
	return piece, err
}

// handOver gives piece to the pipeline until it accepts it, and returns what to commit then. It
// returns ctx's error, and nothing to commit, when ctx ends first. A permanent refusal drops the
// piece, logged and counted, and the stream moves past it.
func (w *Walk[T]) handOver(ctx context.Context, piece Piece[T], fields []zap.Field) (Commit, error) {
	if piece.Release != nil {
		defer piece.Release()
	}
	if piece.Count > 0 {
		dropped, err := w.Handover.Deliver(ctx, func(ctx context.Context, attempt int) error {
			data := piece.Data
			if attempt > 0 {
				data = piece.Again()
			}
			if err := w.Sink.Consume(ctx, data); err != nil {
				return err
			}
			w.Observer.Received(ctx, piece.Count)
			return nil
		})
		if err != nil {
			return Commit{}, err
		}
		if dropped != nil {
			w.Logger.Error("Pipeline permanently refused data; it is dropped",
				append(fields, zap.Int(w.Sink.Unit(), piece.Count), zap.Error(dropped))...)
			w.Observer.Dropped(ctx, ReasonPermanentPipelineError, piece.Count)
		}
	}
	return piece.Accepted(ctx), nil
}

// save writes checkpoints of other keys, as Commit does.
func (w *Walk[T]) save(ctx context.Context, entries []Entry) {
	for _, e := range entries {
		// Progress the pipeline accepted is saved even while shutting down.
		if err := w.Store.Save(context.WithoutCancel(ctx), e.Key, e.State); err != nil {
			w.Logger.Error("Checkpoint not written; a restart now would repeat data", zap.String("key", e.Key), zap.Error(err))
		}
	}
}

// interruptedBy returns a context that ends with ctx or when interrupt closes (never, for nil),
// and the function that releases it, waits for its watcher and says whether interrupt ended it.
func interruptedBy(ctx context.Context, interrupt <-chan struct{}) (context.Context, func() bool) {
	if interrupt == nil {
		return ctx, func() bool { return false }
	}
	fetchCtx, cancel := context.WithCancel(ctx)
	done := make(chan bool)
	go func() {
		select {
		case <-interrupt:
			cancel()
			done <- true
		case <-fetchCtx.Done():
			done <- false
		}
	}()
	return fetchCtx, func() bool {
		cancel()
		return <-done
	}
}
