// Package budget keeps the API's request allowance: a number of requests per minute shared by
// every caller of one key (an app for the logs API, an account for the metrics API), and the
// pause a 429 imposes on all of them.
package budget // import "github.com/forgelogs/otelcol-forge/internal/budget"

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/forgelogs/otelcol-forge/internal/clock"
)

// Budget is the allowance of one key. Each request that reaches the API takes one slot, whoever
// sent it.
type Budget struct {
	clock     clock.Clock
	limiter   *rate.Limiter
	perMinute int

	mu          sync.Mutex
	pausedUntil time.Time
	// granted holds the times of the last perMinute requests, oldest first.
	granted []time.Time
}

// span is the window the API counts requests in, with a second of slack for the time between a
// request leaving here and reaching the API.
const span = time.Minute + time.Second

// New returns a budget of perMinute requests in any 60-second span.
func New(c clock.Clock, perMinute int) *Budget {
	// A burst of one spaces requests evenly, so no 60-second span holds more than perMinute of
	// them. The 2% slack absorbs scheduling delays between a reservation and the request leaving.
	interval := time.Minute / time.Duration(perMinute)
	interval += interval / 50
	return &Budget{clock: c, limiter: rate.NewLimiter(rate.Every(interval), 1), perMinute: perMinute}
}

// Wait blocks until one more request may be sent and returns how long it waited: Turn, then Grant.
func (b *Budget) Wait(ctx context.Context) (time.Duration, error) {
	start := b.clock.Now()
	if err := b.Turn(ctx); err != nil {
		return b.clock.Now().Sub(start), err
	}
	err := b.Grant(ctx)
	return b.clock.Now().Sub(start), err
}

// Turn waits for the caller's turn: any 429 pause, then the next slot of the even spacing.
// Reservations are served in order, so the callers of one key take turns. A caller that must
// hold something scarce to send (a request ticket) takes it after Turn and before Grant.
func (b *Budget) Turn(ctx context.Context) error {
	if err := b.waitForPause(ctx); err != nil {
		return err
	}
	now := b.clock.Now()
	r := b.limiter.ReserveN(now, 1)
	if err := b.clock.Sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(b.clock.Now())
		return err
	}
	// A 429 seen by another caller while this one waited pauses it too.
	if err := b.waitForPause(ctx); err != nil {
		return err
	}
	return nil
}

// Grant records a request about to leave, after its Turn. The limiter spaces requests evenly, but
// a caller that wakes late, or waited for a ticket, can leave closer to the next one than
// planned; the log of the last perMinute grants holds every span to perMinute whatever happened
// in between.
func (b *Budget) Grant(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := b.clock.Now()
		wait := time.Duration(0)
		if len(b.granted) == b.perMinute {
			wait = b.granted[0].Add(span).Sub(now)
		}
		if wait <= 0 {
			b.recordLocked(now)
			b.mu.Unlock()
			return nil
		}
		b.mu.Unlock()
		if err := b.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (b *Budget) recordLocked(at time.Time) {
	if len(b.granted) == b.perMinute {
		b.granted = append(b.granted[:0], b.granted[1:]...)
	}
	b.granted = append(b.granted, at)
}

// Charge takes n slots for requests that reached the API without Wait, such as a re-send that
// the HTTP client made on its own. Later callers wait for them.
func (b *Budget) Charge(n int) {
	now := b.clock.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for range n {
		// One at a time: a reservation larger than the burst of one would be refused.
		b.limiter.ReserveN(now, 1)
		b.recordLocked(now)
	}
}

// Pause stops every caller from sending until d from now, as a 429 asks.
func (b *Budget) Pause(d time.Duration) {
	until := b.clock.Now().Add(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	if until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
}

func (b *Budget) waitForPause(ctx context.Context) error {
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
