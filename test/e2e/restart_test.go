//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// A collector killed while it spends its whole budget, and restarted at once, cannot know when its
// predecessor sent its last request: across the restart, no 60-second span of what the API saw
// holds more than requests_per_minute, for the logs API (per app) or the metrics API (per account).
// At 20 a minute the requests are 3.06 s apart, longer than the collector takes to start again.
func TestRestartedCollectorKeepsTheRateLimit(t *testing.T) {
	const rpm = 20
	started := time.Now()
	// No limit of the simulator's own: its log shows everything the collectors sent. Six hours
	// back, the metrics receiver has 24 windows to read, more than a minute of its budget.
	sim, api := newSimulator(t, forgesim.Config{Origin: started.Add(-7 * time.Hour), RecordsPerSecond: 5, PageSize: 100})
	env := collectorEnv{apiEndpoint: api, otlpEndpoint: newBackend(t).srv.URL, storageDir: t.TempDir(), lookback: "6h", rpm: "20"}

	// A minute's worth of requests of each API, and one more: both budgets are spent when the kill
	// comes, and the last request left a moment before it.
	c := startCollector(t, env)
	counts := waitForRequests(t, sim, c, func(n map[string]int) bool { return n["logs"] > rpm && n["metrics"] > rpm })
	c.kill(t)
	c = startCollector(t, env)
	waitForRequests(t, sim, c, func(n map[string]int) bool { return n["logs"] > counts["logs"]+rpm })
	c.stop(t)

	byAPI := map[string][]time.Time{}
	for _, r := range sim.Requests() {
		byAPI[r.API] = append(byAPI[r.API], r.Time)
	}
	for _, api := range []string{"logs", "metrics"} {
		assert.LessOrEqualf(t, clocktest.MaxInAnyMinute(byAPI[api]), rpm, "%s requests in the busiest 60-second span", api)
	}
}

// waitForRequests waits until done holds for the number of requests of each API ("logs",
// "metrics") that the simulator has seen, while the collector keeps running, and returns them.
func waitForRequests(t *testing.T, sim *forgesim.Server, c *collector, done func(map[string]int) bool) map[string]int {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		counts := map[string]int{}
		for _, r := range sim.Requests() {
			counts[r.API]++
		}
		if done(counts) {
			return counts
		}
		require.True(t, c.running(), "collector exited:\n%s", c.output.String())
		require.True(t, time.Now().Before(deadline), "too few requests: %v", counts)
		time.Sleep(20 * time.Millisecond)
	}
}
