//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// An app configured by its id alone: the collector polls the environments it discovers, and one
// created while it runs delivers its records and points without a restart, each once.
func TestCollectorPollsAnEnvironmentCreatedWhileItRuns(t *testing.T) {
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{Origin: started.Add(-2 * time.Hour), RecordsPerSecond: 1, PageSize: 500})
	b := newBackend(t)
	env := collectorEnv{apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(), lookback: "5m", rpm: "600", config: "e2e-discovery.yaml"}
	c := startCollector(t, env)

	// The environment the simulator had from the start.
	waitForAll(t, b, idsOf(sim, simEnv, started.Add(-5*time.Minute+time.Second), started), time.Minute)

	t.Logf("first environment delivered after %s", time.Since(started))
	const created = "sim-env-created"
	added := time.Now()
	sim.AddEnvironment(simApp, created, "DEVELOPMENT")
	// Its stream starts at initial_lookback before the listing that found it, a second or so
	// after it was created.
	waitForAll(t, b, idsOf(sim, created, added.Add(-5*time.Minute+3*time.Second), added), time.Minute)
	t.Logf("created environment's records delivered after %s", time.Since(added))
	// The metrics stream brings it up to the others, then asks for both in one call.
	from := added.Add(-5 * time.Minute).Truncate(time.Minute).Add(time.Minute)
	until := time.Now().Add(-time.Second).Truncate(time.Minute)
	var want []string
	for _, p := range sim.VisiblePoints(simApp, []string{created}, forgesim.MetricNames(), from, until) {
		want = append(want, p.Key())
	}
	require.NotEmpty(t, want)
	waitForPoints(t, b, want, time.Minute)
	t.Logf("created environment's points delivered after %s", time.Since(added))
	require.True(t, c.running(), "no restart")
	c.stop(t)

	got, _ := b.snapshot()
	for id, n := range got {
		require.Equalf(t, 1, n, "record %s arrived %d times", id, n)
	}
	for key, n := range b.pointSnapshot() {
		require.Equalf(t, 1, n, "point %s arrived %d times", key, n)
	}
}

func idsOf(sim *forgesim.Server, env string, from, until time.Time) []string {
	var ids []string
	for _, r := range sim.Visible(simApp, env, from, until) {
		ids = append(ids, forgesim.InvocationID(env, r.Index))
	}
	return ids
}
