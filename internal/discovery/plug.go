package discovery

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/poller"
	"github.com/forgelogs/otelcol-forge/internal/retry"
)

// RequestsPerMinute is the budget of a receiver's discovery calls. The gateway's limit for this
// query is not documented; one call per app per interval stays far below any limit.
const RequestsPerMinute = 10

// perMinute is the budget of listings every interval: RequestsPerMinute, or more when the interval
// is shorter than a few seconds, so that the budget never slows listings below the interval asked
// for.
func perMinute(interval time.Duration) int {
	if interval <= 0 {
		return RequestsPerMinute
	}
	return max(RequestsPerMinute, int(time.Minute/interval)+1)
}

// Telemetry is what a receiver measures of discovery: its calls (counted apart from the API
// requests of its streams) and the environments found.
type Telemetry interface {
	retry.Observer
	Observer
}

// Discovery is a receiver's discovery: open it in Start, after the runtime, with New, and call
// Watch for each app configured without environments.
type Discovery struct {
	rt       *poller.Runtime
	fetcher  PageFetcher
	interval time.Duration
	logger   *zap.Logger
	budget   *budget.Budget
}

// New returns the discovery of a receiver running on rt (opened), listing through fetcher every
// interval. Its calls draw from a budget of their own, never from an API's: the gateway's limit
// for this query is not documented, and a receiver lists each app once an interval. The budget
// starts unused, so that the first listing, which every stream of an app waits for, goes at once.
func New(rt *poller.Runtime, fetcher PageFetcher, interval time.Duration, logger *zap.Logger) *Discovery {
	return &Discovery{rt: rt, fetcher: fetcher, interval: interval, logger: logger, budget: budget.New(rt.Clock, perMinute(interval))}
}

// Watch runs, until the runtime closes, the discovery of appID's environments of the given types
// (all when empty). Each time the selected environments change (the first listing included, and
// nothing before it), streams maps them to the runs the app needs, by key: runs of new keys start,
// runs of keys no longer returned stop (and are waited for), the others go on. A receiver that
// polls an app in one run for all its environments returns one key and hands the new set to that
// run itself. tel measures the app's discovery.
func (d *Discovery) Watch(appID string, types []string, tel Telemetry, streams func(envs []Environment) map[string]func(ctx context.Context)) {
	logger := d.logger.With(zap.String("app_id", appID))
	caller := &retry.Caller{
		Clock: d.rt.Clock, Tickets: d.rt.Pool, Budget: d.budget, Jitter: d.rt.Jitter,
		Transient: d.rt.Transient, Refused: d.rt.Refused,
		Status: d.rt.Status, Stream: "discovery/" + appID, Observer: tel, Logger: logger,
	}
	// A run stopped with its environment no longer holds the status: its refusal, if any, is over.
	runs := Supervisor{Stopped: d.rt.Status.Recovered}
	w := &Watcher{
		AppID: appID, Types: types, Interval: d.interval, Fetcher: d.fetcher, Caller: caller,
		Clock: d.rt.Clock, Observer: tel, Logger: logger,
		Apply: func(ctx context.Context, envs []Environment) { runs.Sync(ctx, streams(envs)) },
	}
	d.rt.Go(func(ctx context.Context) {
		defer runs.Stop()
		w.Run(ctx)
	})
}
