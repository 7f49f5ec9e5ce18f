//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// expectedUsage lists the backend's keys (metric|environment||period end) of every hourly period
// the simulator serves for the e2e app in [from, until), for every resource.
func expectedUsage(sim *forgesim.Server, from, until time.Time) []string {
	var keys []string
	for _, resource := range forgesim.UsageResources() {
		for _, p := range sim.VisibleUsage(simApp, resource, "ENVIRONMENT_ID", "", from, until) {
			keys = append(keys, fmt.Sprintf("forgeusage_%s|%s||%d", strings.ToLower(resource), p.EnvironmentID, p.End.UnixNano()))
		}
	}
	return keys
}

// The built collector runs all three receivers against the simulator; the usage receiver, stopped
// in the middle of its backlog and started again, delivers every period of every resource once,
// beside the logs and the metrics.
func TestCollectorDeliversEveryUsagePeriodOnceAcrossARestart(t *testing.T) {
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{Origin: started.Add(-4 * time.Hour), RecordsPerSecond: 1, PageSize: 500})
	b := newBackend(t)
	// 12 resources x 2 or 3 hourly windows at one request a second: the first run stops half way.
	env := collectorEnv{apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(), lookback: "5m", rpm: "600",
		usageLookback: "2h", usageRPM: "60"}
	from := started.Add(-2 * time.Hour).Truncate(time.Hour)
	want := expectedUsage(sim, from, started.Add(-time.Second).Truncate(time.Hour))
	require.NotEmpty(t, want)

	c := startCollector(t, env)
	waitForPoints(t, b, want[:1], 30*time.Second)
	c.stop(t)
	delivered := 0
	got := b.pointSnapshot()
	for _, key := range want {
		delivered += got[key]
	}
	require.Less(t, delivered, len(want), "stopped inside the backlog")

	c = startCollector(t, env)
	waitForPoints(t, b, want, time.Minute)
	// Logs and metrics flow beside usage.
	waitForAll(t, b, expectedIDs(sim, started.Add(-5*time.Minute+time.Second), started), time.Minute)
	waitForPoints(t, b, expectedPoints(sim, started.Add(-5*time.Minute).Truncate(time.Minute), started.Add(-time.Second).Truncate(time.Minute)), time.Minute)
	c.stop(t)

	for key, n := range b.pointSnapshot() {
		require.Equalf(t, 1, n, "point %s arrived %d times", key, n)
	}
}
