package retry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/wire"
)

// Observer receives a receiver's measurements of its calls.
type Observer interface {
	// Requests counts n requests that reached the API and got status (0: no answer).
	Requests(ctx context.Context, status, n int)
	// RateLimitWait adds time spent waiting for the budget or a 429 pause.
	RateLimitWait(ctx context.Context, d time.Duration)
}

// Tickets bounds the requests in flight across streams.
type Tickets interface {
	// Request waits for a ticket and returns the function that gives it back.
	Request(ctx context.Context) (release func(), err error)
}

// Caller runs one stream's requests: each attempt waits for its budget's turn, holds a ticket, then takes its grant;
// failures are classified, waited for, logged and reported, and every request that reached the
// API is counted.
type Caller struct {
	Clock     clock.Clock
	Tickets   Tickets
	Budget    *budget.Budget
	Transient backoff.Policy
	Refused   backoff.Policy
	Jitter    backoff.Jitter
	Status    *status.Streams
	// Stream names the caller in status reports.
	Stream   string
	Observer Observer
	Logger   *zap.Logger
	// Retrying, when set, is called after each failure that the call waits out.
	Retrying func(context.Context)
}

// Do calls try until it succeeds, ctx ends (its error is returned), or final says that a failure
// ends the call (that failure is returned, unreported: the caller knows what the API's answer
// means for its request, the caller of Do does not). try must send at most one request of its
// own; re-sends that net/http makes anyway are counted and charged to the budget.
func (c *Caller) Do(ctx context.Context, try func(context.Context) error, final func(error) bool, fields ...zap.Field) error {
	failures := newClassifier(c.Transient, c.Refused, c.Jitter)
	for {
		err := c.attempt(ctx, try)
		if errors.Is(err, errNotSent) {
			return err
		}
		if err == nil {
			c.Status.Recovered(c.Stream)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if final != nil && final(err) {
			return err
		}
		d := failures.classify(err)
		if c.Retrying != nil {
			c.Retrying(ctx)
		}
		fields := append(slices.Clip(fields), zap.Error(err))
		switch d.Kind {
		case Throttled:
			// The limit is per budget: every stream that shares it waits, not just this one.
			c.Budget.Pause(d.Wait)
			c.Logger.Info("API rate-limited the budget; pausing all of its streams", append(fields, zap.Duration("pause", d.Wait))...)
			continue
		case Refused:
			se, _ := apierror.AsStatusError(err)
			c.Status.Refused(c.Stream, err)
			c.Logger.Error("API refused the request; retrying slowly until the token, permission or configuration is fixed",
				append(fields, zap.Int("status", se.StatusCode), zap.String("reason", se.Reason), zap.Duration("retry_in", d.Wait))...)
		default:
			c.Logger.Warn("Request failed; retrying", append(fields, zap.Duration("retry_in", d.Wait))...)
		}
		if err := c.Clock.Sleep(ctx, d.Wait); err != nil {
			return err
		}
	}
}

// errNotSent ends an attempt that ended with its context before the request was sent.
var errNotSent = errors.New("request not sent")

// attempt sends one request through try. The stream waits for its turn in the budget (and any
// 429 pause) holding nothing, then takes a ticket, then its grant: waiting for the budget holds no
// ticket, and the grant still holds every 60-second span to the budget, however long the ticket
// took. The ticket goes back once the answer was read.
func (c *Caller) attempt(ctx context.Context, try func(context.Context) error) error {
	start := c.Clock.Now()
	if err := c.Budget.Turn(ctx); err != nil {
		c.Observer.RateLimitWait(ctx, c.Clock.Now().Sub(start))
		return fmt.Errorf("%w: %w", errNotSent, err)
	}
	waited := c.Clock.Now().Sub(start)
	if c.Tickets != nil {
		release, err := c.Tickets.Request(ctx)
		if err != nil {
			c.Observer.RateLimitWait(ctx, waited)
			return fmt.Errorf("%w: %w", errNotSent, err)
		}
		defer release()
	}
	granting := c.Clock.Now()
	answered, err := c.Budget.Grant(ctx)
	c.Observer.RateLimitWait(ctx, waited+c.Clock.Now().Sub(granting))
	if err != nil {
		return fmt.Errorf("%w: %w", errNotSent, err)
	}
	traced, sent := wire.Count(ctx, answered)
	err = try(traced)
	answered() // no answer came, or it came without the trace: the request reached the API by now
	c.count(ctx, sent.Written(), err)
	return err
}

// count records what reached the API: every written request but the last got no answer.
func (c *Caller) count(ctx context.Context, written int, err error) {
	if written == 0 {
		return
	}
	if written > 1 {
		c.Budget.Charge(written - 1)
		c.Observer.Requests(ctx, 0, written-1)
	}
	c.Observer.Requests(ctx, apierror.StatusCode(err), 1)
}
