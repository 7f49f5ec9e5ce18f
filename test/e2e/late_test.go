//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// The built collector delivers, exactly once, the records the API serves late: one in five
// reaches the simulator 5 s after its timestamp, after the first reading of its window, and the
// second reading (late_arrival 15s, a minute of windows at a time) finds them. It takes about 75 s:
// the first second reading comes a minute after the start.
func TestCollectorDeliversLateRecordsOnce(t *testing.T) {
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{
		Origin: started.Add(-2 * time.Minute), RecordsPerSecond: 5, PageSize: 100,
		LateShare: 0.2, Lateness: 5 * time.Second, Seed: 11,
	})
	b := newBackend(t)
	c := startCollector(t, collectorEnv{
		apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(),
		lookback: "1m", rpm: "600", lateArrival: "15s",
	})

	// Everything up to 40 s after the start, late records included: those of the first 40 s
	// were late for their first reading, 1 s behind now; the second reading of the minute that
	// began 15 s before the start finds them.
	until := started.Add(40 * time.Second)
	var want []string
	late := 0
	for _, r := range sim.Written(simApp, simEnv, started.Add(-time.Minute), until) {
		want = append(want, forgesim.InvocationID(simEnv, r.Index))
		if sim.IsLate(r) && time.Unix(0, r.TimeUnixNano).After(started) {
			late++
		}
	}
	require.Greater(t, late, 20, "records served late in the span checked")
	waitForAll(t, b, want, 100*time.Second)
	c.stop(t)

	got, total := b.snapshot()
	for id, n := range got {
		require.Equalf(t, 1, n, "record %s delivered %d times", id, n)
	}
	require.Equal(t, len(got), total)
}
