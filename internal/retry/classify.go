// Package retry decides what a failed request or a refused hand-over costs: how long to wait,
// whether the whole budget pauses, whether the component status changes. Both receivers run
// their API calls and pipeline hand-overs through it.
package retry // import "github.com/forgelogs/otelcol-forge/internal/retry"

import (
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/backoff"
)

// Kind is the class of a failed request.
type Kind int

const (
	// Transient failures usually pass: 5xx, timeouts, resets, unusable bodies.
	Transient Kind = iota
	// Throttled is a 429: every caller of the budget waits.
	Throttled
	// Refused is a 400, 401, 403 or 404: only a person can fix it, so retries are slow and the
	// component status says so.
	Refused
)

func (k Kind) String() string {
	return [...]string{"transient", "throttled", "refused"}[k]
}

// Decision is what to do about one failed request.
type Decision struct {
	Kind Kind
	// Wait is the delay before the next attempt; for Throttled, the pause of the whole budget.
	Wait time.Duration
}

// classifier keeps the backoff of one call's consecutive failures.
type classifier struct {
	transient, refused *backoff.Backoff
}

func newClassifier(transient, refused backoff.Policy, jitter backoff.Jitter) *classifier {
	return &classifier{transient: transient.Start(jitter), refused: refused.Start(jitter)}
}

// classify maps err to a decision.
func (c *classifier) classify(err error) Decision {
	se, isStatus := apierror.AsStatusError(err)
	switch {
	case isStatus && se.Throttled():
		if se.RetryAfter > 0 {
			return Decision{Kind: Throttled, Wait: se.RetryAfter}
		}
		return Decision{Kind: Throttled, Wait: c.transient.Next()}
	case isStatus && se.Refused():
		return Decision{Kind: Refused, Wait: c.refused.Next()}
	default:
		return Decision{Kind: Transient, Wait: c.transient.Next()}
	}
}
