package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"time"
)

// clock is where streams get time from, so tests can move it instead of sleeping.
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends, whichever comes first, and returns ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
