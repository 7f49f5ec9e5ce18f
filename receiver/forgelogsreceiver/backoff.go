package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"math/rand/v2"
	"time"
)

// backoffPolicy is exponential backoff with jitter: each delay is drawn from [d/2, d], where d
// doubles from initial up to max.
type backoffPolicy struct {
	initial time.Duration
	max     time.Duration
}

var (
	// transientBackoff paces retries of answers that usually pass: 429 without Retry-After, 5xx,
	// timeouts, resets, bad bodies, and retryable pipeline errors.
	transientBackoff = backoffPolicy{initial: time.Second, max: time.Minute}
	// refusedBackoff paces retries of 400/401/403/404, which only a person can fix: slowly, so a
	// new token or permission is picked up within minutes without a flood of refused requests.
	refusedBackoff = backoffPolicy{initial: time.Minute, max: 5 * time.Minute}
)

// backoff counts consecutive failures under one policy.
type backoff struct {
	policy   backoffPolicy
	attempts int
}

func (p backoffPolicy) start() *backoff { return &backoff{policy: p} }

// next returns the delay before the next attempt.
func (b *backoff) next() time.Duration {
	d := b.policy.initial
	for i := 0; i < b.attempts && d < b.policy.max; i++ {
		d *= 2
	}
	d = min(d, b.policy.max)
	b.attempts++
	return d/2 + rand.N(d/2+1)
}

func (b *backoff) reset() { b.attempts = 0 }
