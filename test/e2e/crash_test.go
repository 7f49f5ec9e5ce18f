//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// The collector is killed with SIGKILL at several moments while it catches up a backlog with live
// records arriving, and restarted each time. In the end every record and data point up to the
// horizon has arrived, and none twice beyond the one page (logs) or window (metrics) per kill
// whose commit the kill interrupted.
func TestCollectorSurvivesKillNine(t *testing.T) {
	const pageSize = 300
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{Origin: started.Add(-3 * time.Hour), RecordsPerSecond: 5, PageSize: pageSize})
	b := newBackend(t)
	env := collectorEnv{apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(), lookback: "2h", rpm: "300"}

	// Kill once the backend holds this many records: right at the start, twice mid-backlog, and
	// once caught up.
	killAt := []int{1, 9000, 21000, 36000}
	for _, threshold := range killAt {
		c := startCollector(t, env)
		deadline := time.Now().Add(time.Minute)
		for {
			_, total := b.snapshot()
			if total >= threshold {
				break
			}
			require.True(t, c.running(), "collector exited:\n%s", c.output.String())
			require.True(t, time.Now().Before(deadline), "stuck below %d records", threshold)
			time.Sleep(20 * time.Millisecond)
		}
		c.kill(t)
	}

	c := startCollector(t, env)
	horizon := time.Now()
	waitForAll(t, b, expectedIDs(sim, started.Add(-2*time.Hour+time.Second), horizon), 2*time.Minute)
	metricsFrom := started.Add(-2 * time.Hour).Truncate(time.Minute)
	waitForPoints(t, b, expectedPoints(sim, metricsFrom, horizon.Add(-time.Second).Truncate(time.Minute)), 2*time.Minute)
	c.stop(t)

	points := b.pointSnapshot()
	pointDuplicates := 0
	for _, n := range points {
		pointDuplicates += n - 1
	}
	window := len(expectedPoints(sim, metricsFrom, metricsFrom.Add(15*time.Minute)))
	t.Logf("%d points, %d duplicates over %d kills", len(points), pointDuplicates, len(killAt))
	require.LessOrEqual(t, pointDuplicates, len(killAt)*window, "at most one window per kill arrives twice")

	got, _ := b.snapshot()
	duplicates := 0
	for _, n := range got {
		duplicates += n - 1
	}
	t.Logf("%d records, %d duplicates over %d kills", len(got), duplicates, len(killAt))
	require.LessOrEqual(t, duplicates, len(killAt)*pageSize, "at most one page per kill arrives twice")
}
