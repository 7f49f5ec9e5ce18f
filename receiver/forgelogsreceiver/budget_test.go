package forgelogsreceiver

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxInAnyMinute returns the most requests that fall in any 60-second span of times.
func maxInAnyMinute(times []time.Time) int {
	most, first := 0, 0
	for last := range times {
		for times[last].Sub(times[first]) >= time.Minute {
			first++
		}
		most = max(most, last-first+1)
	}
	return most
}

func TestBudgetNeverExceedsItsRateInAnyMinute(t *testing.T) {
	for _, perMinute := range []int{1, 7, 30} {
		clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
		budget := newRequestBudget(clock, perMinute)
		var times []time.Time
		for range 10 * perMinute {
			_, err := budget.Wait(context.Background())
			require.NoError(t, err)
			times = append(times, clock.Now())
		}
		assert.Equal(t, perMinute, maxInAnyMinute(times), "per minute %d", perMinute)
	}
}

func TestBudgetPauseHoldsEveryCaller(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	budget := newRequestBudget(clock, 30)
	start := clock.Now()
	budget.Pause(45 * time.Second)
	budget.Pause(10 * time.Second) // a shorter pause never shortens a longer one
	waited, err := budget.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 45*time.Second, waited)
	assert.Equal(t, start.Add(45*time.Second), clock.Now())
}

func TestBudgetWaitEndsWithItsContext(t *testing.T) {
	budget := newRequestBudget(realClock{}, 1)
	_, err := budget.Wait(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = budget.Wait(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// The cancelled reservation was given back: the next caller is not pushed a further minute out.
	assert.Less(t, budget.limiter.Reserve().Delay(), 62*time.Second)
}

func TestBackoffGrowsWithJitterUpToItsCap(t *testing.T) {
	b := backoffPolicy{initial: time.Second, max: 8 * time.Second}.start()
	for _, ceiling := range []time.Duration{1, 2, 4, 8, 8, 8} {
		d := b.next()
		assert.GreaterOrEqual(t, d, ceiling*time.Second/2)
		assert.LessOrEqual(t, d, ceiling*time.Second)
	}
	b.reset()
	assert.LessOrEqual(t, b.next(), time.Second)
}

func TestStreamSpecsShardSites(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", 30)
	specs := streamSpecs(cfg)
	var keys []string
	for _, s := range specs {
		keys = append(keys, s.key)
	}
	assert.Equal(t, []string{"stream/app-1/env-1/0", "stream/app-1/env-2/0", "stream/app-2/env-3/0", "stream/app-2/env-3/1"}, keys)
	assert.Len(t, specs[2].query.InstallationContexts, 50)
	assert.Len(t, specs[3].query.InstallationContexts, 10)
	assert.Equal(t, "second-app", specs[2].resource.ServiceName)
	assert.Equal(t, "production", specs[0].resource.EnvironmentName)
	assert.NotEqual(t, specs[2].queryHash, specs[3].queryHash)

	// Reordering the same sites changes neither shards nor checkpoints.
	reordered := testConfig("http://127.0.0.1:1", 30)
	for i, j := 0, len(reordered.Apps[1].InstallationContexts)-1; i < j; i, j = i+1, j-1 {
		sites := reordered.Apps[1].InstallationContexts
		sites[i], sites[j] = sites[j], sites[i]
	}
	assert.Equal(t, specs, streamSpecs(reordered))
}

// Streams of one app share its budget in turns: one that always has a request waiting (catching
// up a backlog) does not starve another.
func TestBudgetStarvesNoStream(t *testing.T) {
	budget := newRequestBudget(realClock{}, 600) // one request every ~100ms
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	var counts [2]atomic.Int64
	var wg sync.WaitGroup
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := budget.Wait(ctx); err != nil {
					return
				}
				counts[i].Add(1)
			}
		}()
	}
	wg.Wait()
	a, b := counts[0].Load(), counts[1].Load()
	assert.LessOrEqual(t, a+b, int64(13), "the budget holds: about 12 requests in 1.2s")
	assert.GreaterOrEqual(t, min(a, b), (a+b)/3, "neither stream starves: %d and %d requests", a, b)
}
