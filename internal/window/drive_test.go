package window

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap/zapcore"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// The first window of the driver's tests: now - 1h to now - delay, 59 records in pages of 25,
// 25 and 9.
var (
	firstStart = at("2026-11-24T11:00:30.5Z")
	firstEnd   = at("2026-11-24T11:59:30.5Z")
)

var errQueueFull = errors.New("sending queue is full")

// Nothing is committed before the pipeline accepted it: the store checks it at every save, while
// the pipeline refuses every page once and the stream reads its backlog and then polls.
func TestWalkCommitsOnlyWhatThePipelineAccepted(t *testing.T) {
	f := newDriveFixture(t)
	f.sink.refuse = func(_ context.Context, call int, _ records) error {
		if call%2 == 1 {
			return errQueueFull
		}
		return nil
	}
	f.run(now.Add(5 * time.Minute))

	saves := f.store.streamSaves()
	assert.True(t, slices.ContainsFunc(saves, checkpoint.State.InProgress), "commits inside a window were checked too")
	committed := f.committed()
	assert.False(t, committed.WindowStart.Before(now.Add(4*time.Minute-f.plan.Delay)), "the stream read on: %+v", committed)
	assert.Equal(t, f.delivered(committed), f.sink.acceptedRecords(), "everything committed was accepted, once")
	assert.Len(t, f.sink.acceptedRecords(), 63, "the first window's 59 records and one a minute since")
}

// A stop while the pipeline refuses with a retryable error commits nothing: neither the stop
// nor the refusal is an acceptance.
func TestWalkStoppedWhileThePipelineRefusesCommitsNothing(t *testing.T) {
	f := newDriveFixture(t)
	f.sink.refuse = func(context.Context, int, records) error { return errQueueFull }
	f.run(now.Add(30 * time.Second))

	assert.Equal(t, []checkpoint.State{{WindowStart: firstStart}}, f.store.streamSaves(), "only where the stream starts")
	assert.GreaterOrEqual(t, f.sink.calls, 4, "the hand-over was retried until the stop")
	assert.Empty(t, f.sink.acceptedRecords())
}

// A pipeline that refuses because it is shutting down, with the stop, has not accepted either.
func TestWalkStoppedByARefusalThatCameWithShutdownCommitsNothing(t *testing.T) {
	f := newDriveFixture(t)
	f.sink.refuse = func(context.Context, int, records) error {
		f.stop()
		return errors.New("exporter is shutting down")
	}
	f.run(now.Add(time.Minute))

	assert.Equal(t, []checkpoint.State{{WindowStart: firstStart}}, f.store.streamSaves())
	assert.Equal(t, 1, f.sink.calls)
}

// A permanent refusal drops the page, counted and logged with how many records it held, and the
// stream goes on with the next page.
func TestWalkDropsAPermanentlyRefusedPieceAndGoesOn(t *testing.T) {
	f := newDriveFixture(t)
	f.sink.refuse = func(_ context.Context, call int, _ records) error {
		if call == 2 {
			return consumererror.NewPermanent(errors.New("record too large"))
		}
		return nil
	}
	f.run(now.Add(2 * time.Second))

	window := recordsIn(firstStart, firstEnd)
	require.Len(t, window, 59)
	assert.Equal(t, slices.Concat(window[:25], window[50:]), f.sink.acceptedRecords(), "the pages around it were delivered")
	assert.Equal(t, map[string]int{ReasonPermanentPipelineError: 25}, f.obs.dropped)
	assert.Equal(t, 34, f.obs.received)
	assert.Equal(t, firstEnd, f.committed().WindowStart, "the stream moved past the window")
	dropped := f.logs.FilterMessage("Pipeline permanently refused data; it is dropped").All()
	require.Len(t, dropped, 1)
	assert.Equal(t, zapcore.ErrorLevel, dropped[0].Level)
	assert.Equal(t, int64(25), dropped[0].ContextMap()["records"])
	assert.Equal(t, "Permanent error: record too large", dropped[0].ContextMap()["error"])
}

// A retried hand-over gets the page as the API answered it, not what a processor changed in it
// before the pipeline refused.
func TestWalkRetriesAHandOverWithTheDataAsFetched(t *testing.T) {
	f := newDriveFixture(t)
	f.sink.refuse = func(_ context.Context, call int, data records) error {
		if call == 1 {
			for i := range data {
				data[i] = -1 // a processor redacts in place, then an exporter refuses
			}
			return errQueueFull
		}
		return nil
	}
	f.run(now.Add(2 * time.Second))

	window := recordsIn(firstStart, firstEnd)
	assert.Equal(t, []records{window[:25], window[25:50], window[50:]}, f.sink.accepted)
	assert.Equal(t, 4, f.sink.calls)
	assert.Equal(t, 59, f.obs.received, "counted once accepted, not per attempt")
}

// A stop at any point (a request cut, the pipeline refusing or accepting as it stops, the clock
// at any moment) loses nothing: a new walk on the same storage resumes, and the pipeline gets
// every record exactly once across both.
func TestWalkCrashLosesNothing(t *testing.T) {
	// pipeline refuses every third hand-over with a retryable error; at its kth the stop comes,
	// and it answers atStop (k 0: never).
	pipeline := func(f *driveFixture, k int, atStop error) {
		f.sink.refuse = func(_ context.Context, call int, _ records) error {
			switch {
			case call == k:
				f.stop()
				return atStop
			case call%3 == 0:
				return errQueueFull
			}
			return nil
		}
	}
	crashes := []struct {
		name string
		// arm makes the fixture stop at its kth event of the kind, or at the time it returns.
		arm func(f *driveFixture, k int) time.Time
	}{
		{"request cut", func(f *driveFixture, k int) time.Time {
			pipeline(f, 0, nil)
			f.api.fail = func(ctx context.Context, call int, _ time.Time) error {
				if call == k {
					f.stop()
					return ctx.Err()
				}
				return nil
			}
			return now.Add(3 * time.Minute)
		}},
		{"pipeline refuses as it stops", func(f *driveFixture, k int) time.Time {
			pipeline(f, k, errors.New("exporter is shutting down"))
			return now.Add(3 * time.Minute)
		}},
		{"pipeline accepts as it stops", func(f *driveFixture, k int) time.Time {
			pipeline(f, k, nil)
			return now.Add(3 * time.Minute)
		}},
		{"stopped at a moment", func(f *driveFixture, k int) time.Time {
			pipeline(f, 0, nil)
			return now.Add(time.Duration(k) * 400 * time.Millisecond)
		}},
	}
	for _, c := range crashes {
		for k := 1; k <= 12; k++ {
			t.Run(fmt.Sprintf("%s/%d", c.name, k), func(t *testing.T) {
				f := newDriveFixture(t)
				f.run(c.arm(f, k))

				restarted := f.clock.Now().Add(time.Minute)
				f.restart(restarted)
				f.api.fail, f.sink.refuse = nil, nil
				f.run(restarted.Add(5 * time.Minute))

				committed := f.committed()
				assert.False(t, committed.WindowStart.Before(restarted.Add(4*time.Minute-f.plan.Delay)), "caught up: %+v", committed)
				assert.Equal(t, f.delivered(committed), f.sink.acceptedRecords(), "every record once, in order")
			})
		}
	}
}
