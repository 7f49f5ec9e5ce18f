package retry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

func newHandover() (*Handover, *clocktest.Fake) {
	clock := clocktest.NewFake(epoch)
	return &Handover{Clock: clock, Backoff: backoff.Transient, Jitter: ceiling, Logger: zap.NewNop()}, clock
}

func TestDeliverRetriesARefusingPipelineWithBackoff(t *testing.T) {
	h, clock := newHandover()
	var attempts []int
	var at []time.Time
	dropped, err := h.Deliver(context.Background(), func(_ context.Context, attempt int) error {
		attempts = append(attempts, attempt)
		at = append(at, clock.Now())
		if attempt < 3 {
			return errors.New("queue full")
		}
		return nil
	})
	require.NoError(t, err)
	assert.NoError(t, dropped)
	assert.Equal(t, []int{0, 1, 2, 3}, attempts)
	assert.Equal(t, []time.Time{epoch, epoch.Add(time.Second), epoch.Add(3 * time.Second), epoch.Add(7 * time.Second)}, at)
}

func TestDeliverDropsOnAPermanentError(t *testing.T) {
	h, clock := newHandover()
	calls := 0
	dropped, err := h.Deliver(context.Background(), func(context.Context, int) error {
		calls++
		return consumererror.NewPermanent(errors.New("cannot be exported"))
	})
	require.NoError(t, err)
	assert.ErrorContains(t, dropped, "cannot be exported", "the caller logs why the data was dropped")
	assert.Equal(t, 1, calls)
	assert.Equal(t, epoch, clock.Now(), "no wait")
}

// Shutting down while the pipeline refuses is not an acceptance: the caller must not commit.
func TestDeliverReturnsTheContextsErrorWhenStoppedWhileRetrying(t *testing.T) {
	h, clock := newHandover()
	ctx, cancel := context.WithCancel(context.Background())
	clock.StopAt(epoch.Add(30*time.Second), cancel)
	dropped, err := h.Deliver(ctx, func(context.Context, int) error { return errors.New("queue full") })
	assert.ErrorIs(t, err, context.Canceled)
	assert.NoError(t, dropped)
}

func TestDeliverReturnsTheContextsErrorWhenTheRefusalCameWithShutdown(t *testing.T) {
	h, _ := newHandover()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := h.Deliver(ctx, func(context.Context, int) error {
		cancel()
		return errors.New("shutting down")
	})
	assert.ErrorIs(t, err, context.Canceled)
}
