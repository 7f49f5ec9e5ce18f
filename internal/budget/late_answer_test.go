package budget

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// A request answered more than a minute after it was granted may have reached the API as late as
// its answer, even when later requests (here two re-sends the transport made on its own) pushed it
// out of the log of the last perMinute: the next grant waits until it was answered, then a span.
func TestBudgetCountsARequestAnsweredAfterMoreThanAMinute(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	clock.SetParticipants(2)
	b := New(clock, 2)
	stalled, err := b.Grant(context.Background())
	require.NoError(t, err)
	answeredAt := epoch.Add(90 * time.Second)
	go func() {
		_ = clock.Sleep(context.Background(), 90*time.Second)
		stalled()
		clock.SetParticipants(1)
	}()
	require.NoError(t, clock.Sleep(context.Background(), time.Second))
	b.Charge(2) // re-sends: the stalled request is now older than the log
	// Bounded, so that a grant that never sees the answer fails the test instead of hanging it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock.StopAt(epoch.Add(10*time.Minute), cancel)
	answered, err := b.Grant(ctx)
	require.NoError(t, err)
	answered()
	assert.Equal(t, answeredAt.Add(span), clock.Now())
}
