package retry

import (
	"context"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/clock"
)

// Handover gives data to the pipeline until the pipeline accepts it.
type Handover struct {
	Clock   clock.Clock
	Backoff backoff.Policy
	Jitter  backoff.Jitter
	Logger  *zap.Logger
}

// Deliver calls consume, attempt 0 first, until it returns nil or a permanent error (returned as
// dropped: the data is gone for good and the caller must say so, with the error). Any other error
// is retried with backoff. Deliver returns ctx's error when ctx ends before the pipeline accepted:
// the caller must then commit nothing.
func (h *Handover) Deliver(ctx context.Context, consume func(ctx context.Context, attempt int) error) (dropped, err error) {
	retries := h.Backoff.Start(h.Jitter)
	for attempt := 0; ; attempt++ {
		err := consume(ctx, attempt)
		switch {
		case err == nil:
			return nil, nil
		case consumererror.IsPermanent(err):
			return err, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		wait := retries.Next()
		h.Logger.Warn("Pipeline refused the data; retrying", zap.Duration("retry_in", wait), zap.Error(err))
		if err := h.Clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}
