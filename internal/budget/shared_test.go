package budget

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// Holders of one key draw from one budget: together they never exceed it.
func TestSharedBudgetIsOneBudgetPerKey(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	a, releaseA := Shared(t.Name(), clock, 5)
	defer releaseA()
	b, releaseB := Shared(t.Name(), clock, 5)
	defer releaseB()
	require.Same(t, a, b)
	other, releaseOther := Shared(t.Name()+" other", clock, 5)
	defer releaseOther()
	assert.NotSame(t, a, other, "another key, another budget")

	var times []time.Time
	for i := range 20 {
		_, err := []*Budget{a, b}[i%2].Wait(context.Background())
		require.NoError(t, err)
		times = append(times, clock.Now())
	}
	assert.Equal(t, 5, clocktest.MaxInAnyMinute(times))
}

// While several hold a key, the smallest rate holds for all.
func TestSharedBudgetTakesTheSmallestRate(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	_, releaseA := Shared(t.Name(), clock, 5)
	defer releaseA()
	b, releaseB := Shared(t.Name(), clock, 2)
	defer releaseB()
	var times []time.Time
	for range 10 {
		_, err := b.Wait(context.Background())
		require.NoError(t, err)
		times = append(times, clock.Now())
	}
	assert.Equal(t, 2, clocktest.MaxInAnyMinute(times))
}

// A budget given back keeps its recent requests for the next holder of the key, as when a
// configuration reload restarts a receiver: the minute's requests already sent still count.
func TestSharedBudgetOutlivesItsHolders(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	a, release := Shared(t.Name(), clock, 3)
	var times []time.Time
	for range 3 {
		_, err := a.Wait(context.Background())
		require.NoError(t, err)
		times = append(times, clock.Now())
	}
	release()
	b, release := Shared(t.Name(), clock, 3)
	defer release()
	require.Same(t, a, b)
	_, err := b.Wait(context.Background())
	require.NoError(t, err)
	times = append(times, clock.Now())
	assert.Equal(t, 3, clocktest.MaxInAnyMinute(times))
}

// Each test's fake clock gets a budget of its own, whatever the key.
func TestSharedBudgetOnAnotherClockIsAnother(t *testing.T) {
	a, releaseA := Shared(t.Name(), clocktest.NewFake(epoch), 5)
	defer releaseA()
	b, releaseB := Shared(t.Name(), clocktest.NewFake(epoch), 5)
	defer releaseB()
	assert.NotSame(t, a, b)
}
