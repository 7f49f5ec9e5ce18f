package clocktest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Unix(1_700_000_000, 0)

func TestFakeMovesWhenEveryParticipantSleeps(t *testing.T) {
	f := NewFake(epoch)
	f.SetParticipants(2)
	var wg sync.WaitGroup
	woke := make([]time.Time, 2)
	for i, d := range []time.Duration{3 * time.Second, time.Second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, f.Sleep(context.Background(), d))
			woke[i] = f.Now()
			f.SetParticipants(1) // done: no longer holds time
		}()
	}
	wg.Wait()
	assert.Equal(t, []time.Time{epoch.Add(3 * time.Second), epoch.Add(time.Second)}, woke)
}

func TestFakeStopsTimeAtStopAt(t *testing.T) {
	f := NewFake(epoch)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	f.StopAt(epoch.Add(time.Minute), func() { calls++; cancel() })
	require.NoError(t, f.Sleep(ctx, 30*time.Second))
	assert.ErrorIs(t, f.Sleep(ctx, time.Hour), context.Canceled)
	assert.ErrorIs(t, f.Sleep(ctx, time.Hour), context.Canceled)
	assert.Equal(t, epoch.Add(time.Minute), f.Now())
	assert.Equal(t, 1, calls)
	assert.Equal(t, 2, f.Sleeps())
}

func TestMaxInAnyMinute(t *testing.T) {
	at := func(seconds ...int) []time.Time {
		var out []time.Time
		for _, s := range seconds {
			out = append(out, epoch.Add(time.Duration(s)*time.Second))
		}
		return out
	}
	assert.Equal(t, 0, MaxInAnyMinute(nil))
	assert.Equal(t, 2, MaxInAnyMinute(at(0, 59, 60)), "60s apart fall in different spans")
	assert.Equal(t, 4, MaxInAnyMinute(at(0, 30, 40, 59, 100)))
}
