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
	// granted logs the last perMinute requests (never more) in the order they were granted: each
	// at the latest time it may have reached the API, known once it was answered.
	granted []grant
	// first is the sequence number of granted[0].
	first uint64
	// older is the latest time any request before granted[0] may have reached the API, and
	// olderInFlight how many of those are still unanswered.
	older         time.Time
	olderInFlight int
}

// grant is one request of the log.
type grant struct {
	// at is when the request was granted, then, once it was answered, when the answer began: it
	// reached the API at some moment in between.
	at       time.Time
	inFlight bool
}

// span is the window the API counts requests in, with a second of slack.
const span = time.Minute + time.Second

// inFlightPoll is how often a grant looks again while a request a whole span older is still
// unanswered, which only a stalled connection makes happen.
const inFlightPoll = time.Second

// New returns a budget of perMinute requests in any 60-second span, unused so far.
func New(c clock.Clock, perMinute int) *Budget {
	// A burst of one spaces requests evenly, so no 60-second span holds more than perMinute of them.
	return &Budget{clock: c, limiter: rate.NewLimiter(rate.Every(spacing(perMinute)), 1), perMinute: perMinute}
}

// NewStarting returns the budget of a receiver that starts now: spent, as if it had just sent a
// request that reaches the API a second late. A collector restarted at once (a crash, kill -9, a
// rollout) cannot know when its predecessor's last request reached the API, only that it was
// spaced from the ones before it; waiting one spacing plus the span's second of slack keeps the
// even spacing across the restart, so no 60-second span that holds both processes' requests
// holds more than perMinute either, unless that last request arrived more than a second late.
func NewStarting(c clock.Clock, perMinute int) *Budget {
	b := New(c, perMinute)
	b.pausedUntil = c.Now().Add(spacing(perMinute) + span - time.Minute)
	return b
}

// spacing is the even spacing of perMinute requests, with 2% of slack for scheduling delays
// between a reservation and the request leaving.
func spacing(perMinute int) time.Duration {
	interval := time.Minute / time.Duration(perMinute)
	return interval + interval/50
}

// Wait blocks until one more request may be sent and returns how long it waited: Turn, then
// Grant, for a request that reaches the API as soon as it is granted.
func (b *Budget) Wait(ctx context.Context) (time.Duration, error) {
	start := b.clock.Now()
	if err := b.Turn(ctx); err != nil {
		return b.clock.Now().Sub(start), err
	}
	answered, err := b.Grant(ctx)
	if err == nil {
		answered()
	}
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

// Grant records a request about to leave, after its Turn, and returns answered, to be called
// once when its answer begins (or the attempt ended without one). The limiter spaces requests
// evenly, but a caller can leave later than planned (it woke late, waited for a ticket) and a
// request can reach the API later than it left (a slow connection or TLS handshake), so the
// grant also waits until the request perMinute before this one was answered a whole span ago,
// and for any 429 pause that began after the Turn. What reached the API within any 60 seconds is
// then never more than perMinute, whatever the timing.
func (b *Budget) Grant(ctx context.Context) (answered func(), err error) {
	for {
		b.mu.Lock()
		now := b.clock.Now()
		wait := b.pausedUntil.Sub(now)
		if len(b.granted) == b.perMinute {
			oldest := b.granted[0]
			wait = max(wait, latest(oldest.at, b.older).Add(span).Sub(now))
			if oldest.inFlight || b.olderInFlight > 0 {
				wait = max(wait, inFlightPoll)
			}
		}
		if wait <= 0 {
			seq := b.recordLocked(grant{at: now, inFlight: true})
			b.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { b.answered(seq) }) }, nil
		}
		b.mu.Unlock()
		if err := b.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// answered moves request seq's log entry to now: it reached the API no later than its answer.
func (b *Budget) answered(seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	if seq < b.first { // already folded into older
		b.older = latest(b.older, now)
		b.olderInFlight--
		return
	}
	g := &b.granted[seq-b.first]
	g.at, g.inFlight = latest(g.at, now), false
}

// recordLocked appends g to the log, folding the oldest entry into older when the log is full,
// and returns g's sequence number.
func (b *Budget) recordLocked(g grant) uint64 {
	if len(b.granted) == b.perMinute {
		b.foldOldestLocked()
	}
	b.granted = append(b.granted, g)
	return b.first + uint64(len(b.granted)) - 1
}

// foldOldestLocked moves the oldest log entry into older.
func (b *Budget) foldOldestLocked() {
	if oldest := b.granted[0]; oldest.inFlight {
		b.olderInFlight++
	} else {
		b.older = latest(b.older, oldest.at)
	}
	b.granted = append(b.granted[:0], b.granted[1:]...)
	b.first++
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
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
		b.recordLocked(grant{at: now})
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
