//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// The built collector runs both pipelines against the simulator: every data point reaches the
// OTLP backend once across a clean restart, and the logs keep flowing beside the metrics.
func TestCollectorDeliversEveryPointOnce(t *testing.T) {
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{Origin: started.Add(-2 * time.Hour), RecordsPerSecond: 1, PageSize: 500})
	b := newBackend(t)
	env := collectorEnv{apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(), lookback: "30m", rpm: "600"}
	// The first window starts at now - initial_lookback, rounded down to the minute.
	from := started.Add(-30 * time.Minute).Truncate(time.Minute)

	c := startCollector(t, env)
	// Points up to the last whole minute before now - delay arrive within a collection or two.
	waitForPoints(t, b, expectedPoints(sim, from, started.Add(-time.Second).Truncate(time.Minute)), time.Minute)
	waitForAll(t, b, expectedIDs(sim, started.Add(-30*time.Minute+time.Second), started), time.Minute)
	c.stop(t)
	before := len(b.pointSnapshot())

	time.Sleep(time.Until(started.Truncate(time.Minute).Add(time.Minute + 2*time.Second))) // a new minute of points
	c = startCollector(t, env)
	waitForPoints(t, b, expectedPoints(sim, from, time.Now().Add(-time.Second).Truncate(time.Minute)), time.Minute)
	c.stop(t)

	got := b.pointSnapshot()
	require.Greater(t, len(got), before, "the second run delivered the new minute")
	for key, n := range got {
		require.Equalf(t, 1, n, "point %s arrived %d times", key, n)
	}
}
