package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"time"

	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/window"
)

// appPlans returns the window plan of each app's streams. A caught-up stream polls as often as
// its app's budget allows once every stream of the app polls as often and keeps a request a
// minute for its second reading, and never more often than poll_interval: freshness falls with
// the number of streams of an app, not by the budget running dry.
func (cfg *Config) appPlans(specs []streamSpec) map[string]window.Plan {
	streams := map[string]int{}
	for _, spec := range specs {
		streams[spec.query.AppID]++
	}
	plans := make(map[string]window.Plan, len(streams))
	for app, n := range streams {
		plan := cfg.plan()
		plan.PollInterval = max(cfg.PollInterval, cfg.caughtUpShare(n))
		plans[app] = plan
	}
	return plans
}

// caughtUpShare is how often each of an app's streams may poll within its budget.
func (cfg *Config) caughtUpShare(streams int) time.Duration {
	reserve := 0
	if cfg.LateArrival > 0 {
		// A stream whose traffic fits a page a minute reads a minute of windows again each minute.
		reserve = int(time.Minute / window.RereadEvery)
	}
	return budget.Share(cfg.RequestsPerMinute, streams, reserve)
}
