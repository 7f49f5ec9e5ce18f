package budget

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// A 429 that arrives while a caller already waits for its turn pauses that caller too: its turn
// comes at 2.04 s, the pause lasts until 46 s. The turn itself waits out the pause, so that the
// caller holds nothing scarce (a request ticket, taken after the turn) during it.
func TestBudgetPauseHoldsACallerAlreadyWaitingForItsTurn(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	b := New(clock, 30)
	ctx := context.Background()
	_, err := b.Wait(ctx) // the turn at epoch
	require.NoError(t, err)

	clock.SetParticipants(2) // the waiting caller and this test
	waitedCh := make(chan time.Duration)
	go func() {
		start := clock.Now()
		assert.NoError(t, b.Turn(ctx))
		clock.SetParticipants(1)
		waitedCh <- clock.Now().Sub(start)
	}()
	// Time moves once the caller sleeps until its turn: at 1 s another stream gets a 429.
	require.NoError(t, clock.Sleep(ctx, time.Second))
	b.Pause(45 * time.Second)
	clock.SetParticipants(1)
	assert.Equal(t, 46*time.Second, <-waitedCh)
	assert.Equal(t, epoch.Add(46*time.Second), clock.Now())
}
