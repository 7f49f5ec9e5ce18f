// Package backoff paces retries: exponential backoff with jitter, the randomness injected.
package backoff // import "github.com/forgelogs/otelcol-forge/internal/backoff"

import (
	"math/rand/v2"
	"time"
)

// Policy doubles the delay from Initial up to Max.
type Policy struct {
	Initial time.Duration
	Max     time.Duration
}

var (
	// Transient paces retries of answers that usually pass: 429 without Retry-After, 5xx,
	// timeouts, resets, bad bodies, and retryable pipeline errors.
	Transient = Policy{Initial: time.Second, Max: time.Minute}
	// Refused paces retries of refusals (400, 401, 403, 404 and the other 4xx but 408 and 429),
	// which only a person can fix: every 1 to 5 minutes, so that a new token or permission is
	// picked up within minutes without a flood of refused requests.
	Refused = Policy{Initial: 2 * time.Minute, Max: 5 * time.Minute}
)

// Jitter draws the actual delay from a ceiling d; it must return a value in [d/2, d].
type Jitter func(d time.Duration) time.Duration

// RandomJitter draws uniformly from [d/2, d], so that streams that failed together do not retry
// together.
func RandomJitter(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }

// Backoff counts consecutive failures under one policy.
type Backoff struct {
	policy   Policy
	jitter   Jitter
	attempts int
}

// Start begins counting failures.
func (p Policy) Start(jitter Jitter) *Backoff {
	if jitter == nil {
		jitter = RandomJitter
	}
	return &Backoff{policy: p, jitter: jitter}
}

// Next returns the delay before the next attempt.
func (b *Backoff) Next() time.Duration {
	d := b.policy.Initial
	for i := 0; i < b.attempts && d < b.policy.Max; i++ {
		d *= 2
	}
	d = min(d, b.policy.Max)
	b.attempts++
	return b.jitter(d)
}
