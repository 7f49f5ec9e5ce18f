package window

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// What a step asks the driver to save goes in its place: a step's Save before its request (a
// newly listed environment's start, so that a restart starts it there too); a piece's Others
// once the pipeline accepted it, also when it refused it first; with OthersOnly the stream's own
// checkpoint stays as it is; otherwise the stream's commit follows its Others.
func TestWalkSavesEachStepsCheckpointsInTheirPlace(t *testing.T) {
	f := newDriveFixture(t)
	f.store.unchecked = true
	f.sink.refuse = func(_ context.Context, call int, _ records) error {
		if call == 1 {
			return errQueueFull
		}
		return nil
	}
	at := func(minutes int) checkpoint.State {
		return checkpoint.State{WindowStart: firstStart.Add(time.Duration(minutes) * time.Minute)}
	}
	inWindow := checkpoint.State{WindowStart: firstStart, WindowEnd: firstEnd, Offset: 2}
	src := &scriptedSource{f: f, end: checkpoint.State{WindowStart: firstEnd}, steps: []func(time.Time) Step[records]{
		func(time.Time) Step[records] {
			return Step[records]{
				Save:  []Entry{{Key: "env/new", State: at(0)}},
				Fetch: f.fetching("new", records{1}, Commit{Others: []Entry{{Key: "env/new", State: at(15)}}, OthersOnly: true}),
			}
		},
		func(time.Time) Step[records] {
			return Step[records]{
				Fetch: f.fetching("all", records{2, 3}, Commit{State: inWindow, Others: []Entry{{Key: "env/new", State: at(30)}, {Key: "env/old", State: at(30)}}}),
			}
		},
	}}
	next, err := f.read(f.walk(), src)

	require.NoError(t, err)
	assert.Equal(t, checkpoint.State{WindowStart: firstEnd}, next, "the window's end is the walk's to commit")
	assert.Equal(t, []string{
		"save env/new", "fetch new", "consume [1]: " + errQueueFull.Error(), "consume [1]: <nil>", "save env/new",
		"fetch all", "consume [2 3]: <nil>", "save env/new", "save env/old", "save k",
	}, f.events.all())
	for key, want := range map[string]checkpoint.State{"env/new": at(30), "env/old": at(30), streamKey: inWindow} {
		saved, _, err := f.store.Load(context.Background(), key)
		require.NoError(t, err)
		assert.Equal(t, want, saved, key)
	}
}

// A stop during the hand-over of a piece saves none of the positions it would have moved.
func TestWalkSavesNoPositionOfAPieceTheStopCut(t *testing.T) {
	f := newDriveFixture(t)
	f.store.unchecked = true
	f.sink.refuse = func(context.Context, int, records) error {
		f.stop()
		return errQueueFull
	}
	src := &scriptedSource{f: f, steps: []func(time.Time) Step[records]{
		func(time.Time) Step[records] {
			return Step[records]{Fetch: f.fetching("all", records{1}, Commit{
				State: checkpoint.State{WindowStart: firstEnd}, Done: true,
				Others: []Entry{{Key: "env/a", State: checkpoint.State{WindowStart: firstEnd}}},
			})}
		},
	}}
	_, err := f.read(f.walk(), src)

	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"fetch all", "consume [1]: " + errQueueFull.Error()}, f.events.all())
}

// A step whose Interrupt closes while its request fails (the environments changed while the API
// refused a deleted one) is abandoned: the driver stops retrying it and asks the reader for its
// next step, which the new environments plan.
func TestWalkAsksForTheNextStepWhenAFailingStepIsInterrupted(t *testing.T) {
	f := newDriveFixture(t)
	f.store.unchecked = true
	interrupt := make(chan struct{})
	deleted := &apierror.StatusError{StatusCode: http.StatusNotFound, Reason: "no such environment"}
	asked := make(chan int, 2)
	src := &scriptedSource{f: f, asked: asked, end: checkpoint.State{WindowStart: firstEnd}, steps: []func(time.Time) Step[records]{
		func(time.Time) Step[records] {
			return Step[records]{Interrupt: interrupt,
				Fetch: f.fetching("deleted", nil, Commit{}, deleted, deleted, deleted, deleted, deleted, deleted)}
		},
	}}
	w := f.walk()
	var change sync.Once
	// The environments change once the refusal was taken, while it is waited out.
	w.Caller.Retrying = func(context.Context) { change.Do(func() { close(interrupt) }) }
	// The test holds the fake clock, so that no retry can come before the interrupt took effect;
	// it lets time go once the reader was asked again (or, when the driver ignores the
	// interrupt, after a while, and the retries run into the test's end).
	f.clock.SetParticipants(2)
	readDone, released := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(released)
		defer f.clock.SetParticipants(1)
		for {
			select {
			case n := <-asked:
				if n >= 2 {
					return
				}
			case <-readDone:
				return
			case <-time.After(10 * time.Second):
				return
			}
		}
	}()
	next, err := f.read(w, src)
	close(readDone)
	<-released

	require.NoError(t, err)
	assert.Equal(t, checkpoint.State{WindowStart: firstEnd}, next)
	assert.Equal(t, 2, src.nexts, "the reader was asked again")
	assert.Equal(t, []string{"fetch deleted"}, f.events.all(), "the refused request was not sent again")
	assert.Equal(t, now, f.clock.Now(), "no retry waited for")
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, f.host.Statuses(), "the refusal was reported")
}
