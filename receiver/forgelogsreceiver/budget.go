package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// requestBudget is the request allowance of one app id, shared by all of its streams. The API
// counts requests per app, so retries and every page of every stream draw from it.
type requestBudget struct {
	clock   clock
	limiter *rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
}

func newRequestBudget(c clock, perMinute int) *requestBudget {
	// A burst of one spaces requests evenly, so no 60-second span holds more than perMinute of
	// them. The 2% slack absorbs scheduling delays between a reservation and the request leaving.
	interval := time.Minute / time.Duration(perMinute)
	interval += interval / 50
	return &requestBudget{clock: c, limiter: rate.NewLimiter(rate.Every(interval), 1)}
}

// Wait blocks until the app may send one more request and returns how long it waited.
// Reservations are served in order, so the app's streams take turns.
func (b *requestBudget) Wait(ctx context.Context) (time.Duration, error) {
	start := b.clock.Now()
	if err := b.waitForPause(ctx); err != nil {
		return b.clock.Now().Sub(start), err
	}
	now := b.clock.Now()
	r := b.limiter.ReserveN(now, 1)
	if err := b.clock.Sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(b.clock.Now())
		return b.clock.Now().Sub(start), err
	}
	// A 429 seen by another stream while this one waited pauses it too.
	err := b.waitForPause(ctx)
	return b.clock.Now().Sub(start), err
}

// Pause stops every stream of the app from sending until d from now, as a 429 asks.
func (b *requestBudget) Pause(d time.Duration) {
	until := b.clock.Now().Add(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	if until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
}

func (b *requestBudget) waitForPause(ctx context.Context) error {
	for {
		b.mu.Lock()
		wait := b.pausedUntil.Sub(b.clock.Now())
		b.mu.Unlock()
		if wait <= 0 {
			return ctx.Err()
		}
		if err := b.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
