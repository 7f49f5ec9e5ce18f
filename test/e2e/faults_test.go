//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// The collector reads a backlog from a simulator that fails often in every way it knows. Every
// record arrives exactly once, the collector keeps running, and the simulator's own request log
// never shows more requests in a minute than the budget.
func TestCollectorCopesWithAPIFaults(t *testing.T) {
	const rpm = 120
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{
		Origin: started.Add(-2 * time.Hour), RecordsPerSecond: 2, PageSize: 200,
		RequestsPerMinute: rpm,
		Faults: forgesim.Faults{
			ServerErrorRate:          0.15,
			ThrottleRate:             0.05,
			ThrottleNoRetryAfterRate: 0.05,
			TruncateRate:             0.05,
			StallRate:                0.05,
			Stall:                    3 * time.Second, // longer than the client's timeout
			ResetRate:                0.03,
		},
		Seed: 42,
	})
	b := newBackend(t)
	c := startCollector(t, collectorEnv{
		apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(),
		lookback: "90m", rpm: "120", timeout: "2s",
	})
	waitForAll(t, b, expectedIDs(sim, started.Add(-90*time.Minute+time.Second), started), 4*time.Minute)
	require.True(t, c.running(), "the collector is still running")
	c.stop(t)
	assert.NotContains(t, c.output.String(), simToken, "the token never reaches the log, debug level included")

	got, _ := b.snapshot()
	for id, n := range got {
		require.Equalf(t, 1, n, "record %s arrived %d times", id, n)
	}

	requests := sim.Requests()
	faults := map[string]int{}
	var times []time.Time
	for _, r := range requests {
		faults[r.Fault]++
		times = append(times, r.Time)
		assert.False(t, r.Status == http.StatusTooManyRequests && r.Fault == "", "the simulator's own limit was never hit")
	}
	t.Logf("%d requests: %v", len(requests), faults)
	for _, fault := range []string{"server_error", "throttle", "throttle_no_retry_after", "truncated", "stall", "reset"} {
		assert.Positive(t, faults[fault], "fault %s was exercised", fault)
	}
	most, first := 0, 0
	for last := range times {
		for times[last].Sub(times[first]) >= time.Minute {
			first++
		}
		most = max(most, last-first+1)
	}
	assert.LessOrEqual(t, most, rpm, "requests in the busiest 60-second span")
}
