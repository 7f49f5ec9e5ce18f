package budget

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// A receiver that joins a shared budget in use with a smaller requests_per_minute lowers it for
// everyone at once: no 60-second span that holds a request granted after the change holds more
// than the new rate, counting the requests sent just before it.
func TestLoweringASharedBudgetsRateHoldsAtOnce(t *testing.T) {
	clock := clocktest.NewFake(epoch)
	fast, releaseFast := Shared(t.Name(), clock, 10)
	defer releaseFast()
	var times []time.Time
	for range 25 {
		_, err := fast.Wait(context.Background())
		require.NoError(t, err)
		times = append(times, clock.Now())
	}
	lowered := len(times)
	slow, releaseSlow := Shared(t.Name(), clock, 4)
	defer releaseSlow()
	require.Same(t, fast, slow)
	for range 12 {
		_, err := slow.Wait(context.Background())
		require.NoError(t, err)
		times = append(times, clock.Now())
	}

	for i := lowered; i < len(times); i++ {
		inMinute := 0
		for _, at := range times[:i+1] {
			if times[i].Sub(at) < time.Minute {
				inMinute++
			}
		}
		assert.LessOrEqual(t, inMinute, 4, "request %d at %s: the 60 s up to it", i, times[i].Sub(epoch))
	}
}
