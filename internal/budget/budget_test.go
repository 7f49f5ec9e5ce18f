package budget

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

var epoch = time.Unix(1_700_000_000, 0)

func TestBudgetNeverExceedsItsRateInAnyMinute(t *testing.T) {
	for _, perMinute := range []int{1, 7, 30} {
		clock := clocktest.NewFake(epoch)
		b := New(clock, perMinute)
		var times []time.Time
		for range 10 * perMinute {
			_, err := b.Wait(context.Background())
			require.NoError(t, err)
			times = append(times, clock.Now())
		}
		assert.Equal(t, perMinute, clocktest.MaxInAnyMinute(times), "per minute %d", perMinute)
	}
}

func TestBudgetChargeDelaysLaterCallers(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	b := New(clock, 30)
	_, err := b.Wait(context.Background())
	require.NoError(t, err)
	b.Charge(2) // two re-sends that reached the API without asking
	waited, err := b.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3*(2*time.Second+40*time.Millisecond), waited, "the next request waits for three slots")
}

func TestBudgetPauseHoldsEveryCaller(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	b := New(clock, 30)
	b.Pause(45 * time.Second)
	b.Pause(10 * time.Second) // a shorter pause never shortens a longer one
	waited, err := b.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 45*time.Second, waited)
	assert.Equal(t, epoch.Add(45*time.Second), clock.Now())
}

func TestBudgetWaitEndsWithItsContext(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	b := New(clock, 1)
	_, err := b.Wait(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	clock.StopAt(epoch.Add(10*time.Second), cancel)
	_, err = b.Wait(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	// The cancelled reservation was given back: the next caller is not pushed a further minute out.
	assert.Less(t, b.limiter.ReserveN(clock.Now(), 1).DelayFrom(clock.Now()), 62*time.Second)
}

// Callers of one budget take turns: one that always has a request waiting does not starve another.
func TestBudgetStarvesNoCaller(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	clock.SetParticipants(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock.StopAt(epoch.Add(10*time.Minute), cancel)
	b := New(clock, 30)
	var mu sync.Mutex
	var times []time.Time
	counts := [2]int{}
	var wg sync.WaitGroup
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := b.Wait(ctx); err != nil {
					return
				}
				mu.Lock()
				counts[i]++
				times = append(times, clock.Now())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(times), 30)
	assert.InDelta(t, counts[0], counts[1], 1, "turns alternate: %v", counts)
}

// lateClock wakes some sleepers late, as a loaded machine does.
type lateClock struct {
	*clocktest.Fake
	mu     sync.Mutex
	sleeps int
}

func (c *lateClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps++
	late := c.sleeps%7 == 1
	c.mu.Unlock()
	if late && d > 0 {
		d += 1500 * time.Millisecond
	}
	return c.Fake.Sleep(ctx, d)
}

// However late callers wake, no 60-second span holds more than the budget's requests.
func TestBudgetHoldsWhenCallersWakeLate(t *testing.T) {
	clock := &lateClock{Fake: clocktest.NewFake(epoch)}
	clock.SetParticipants(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock.StopAt(epoch.Add(20*time.Minute), cancel)
	b := New(clock, 30)
	var mu sync.Mutex
	var times []time.Time
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := b.Wait(ctx); err != nil {
					return
				}
				mu.Lock()
				times = append(times, clock.Now())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(times, time.Time.Compare)
	require.Greater(t, len(times), 500)
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(times), 30)
}

// A request can reach the API later than it was granted (a slow connection or TLS handshake): the
// request perMinute later waits for a whole span after the first one was answered, not granted.
func TestBudgetSpansFromWhenTheRequestWasAnswered(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	b := New(clock, 2)
	require.NoError(t, b.Turn(context.Background()))
	slow, err := b.Grant(context.Background())
	require.NoError(t, err)
	require.NoError(t, clock.Sleep(context.Background(), 5*time.Second)) // its handshake stalls
	slow()                                                               // the answer begins at +5s
	_, err = b.Wait(context.Background())
	require.NoError(t, err)
	assert.Less(t, clock.Now().Sub(epoch), 31*time.Second, "the second follows the even spacing")
	_, err = b.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, epoch.Add(5*time.Second+span), clock.Now(), "the third waits a span from the first's answer")
}

// A request perMinute back that is still unanswered may reach the API any moment: the next grant
// waits until it was answered, then a whole span.
func TestBudgetWaitsForAnUnansweredRequestASpanOld(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	clock.SetParticipants(2)
	b := New(clock, 1)
	stalled, err := b.Grant(context.Background())
	require.NoError(t, err)
	answeredAt := epoch.Add(90 * time.Second)
	go func() {
		_ = clock.Sleep(context.Background(), 90*time.Second)
		stalled()
		clock.SetParticipants(1)
	}()
	_, err = b.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, answeredAt.Add(span), clock.Now())
}

// A 429 that arrives while a caller, past its turn, waits for something else (a request ticket)
// holds that caller too.
func TestBudgetGrantWaitsOutAPauseThatBeganAfterTheTurn(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	b := New(clock, 30)
	require.NoError(t, b.Turn(context.Background()))
	b.Pause(30 * time.Second) // another stream of the app got a 429
	answered, err := b.Grant(context.Background())
	require.NoError(t, err)
	answered()
	assert.Equal(t, epoch.Add(30*time.Second), clock.Now())
}

// A collector restarted at once (a crash, kill -9, a rollout) cannot see what its predecessor
// sent: its budget starts spent, so that the span that holds both processes' requests holds no
// more than perMinute either.
func TestBudgetOfARestartedCollectorKeepsTheSpacing(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	var times []time.Time
	for range 2 { // the predecessor dies right after its last request; its successor starts then
		b := NewStarting(clock, 30)
		for range 45 {
			_, err := b.Wait(context.Background())
			require.NoError(t, err)
			times = append(times, clock.Now())
		}
	}
	assert.Equal(t, epoch.Add(3*time.Second+40*time.Millisecond), times[0], "the first request waits one spacing and a second")
	assert.Equal(t, 3*time.Second+40*time.Millisecond, times[45].Sub(times[44]), "the spacing holds across the restart, with a second to spare")
	assert.Equal(t, 30, clocktest.MaxInAnyMinute(times))
}
