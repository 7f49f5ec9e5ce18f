//go:build e2e

package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// The built collector reads a backlog and live records from the simulator and exports each
// record exactly once; a clean restart repeats nothing.
func TestCollectorDeliversEveryRecordOnce(t *testing.T) {
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{Origin: started.Add(-2 * time.Hour), RecordsPerSecond: 5, PageSize: 500})
	b := newBackend(t)
	env := collectorEnv{apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(), lookback: "20m", rpm: "600"}

	c := startCollector(t, env)
	waitForAll(t, b, expectedIDs(sim, started.Add(-20*time.Minute+time.Second), started), time.Minute)
	c.stop(t)
	_, before := b.snapshot()

	c = startCollector(t, env)
	horizon := time.Now()
	waitForAll(t, b, expectedIDs(sim, started.Add(-20*time.Minute+time.Second), horizon), time.Minute)
	c.stop(t)

	got, total := b.snapshot()
	require.Greater(t, total, before, "the second run delivered new records")
	for id, n := range got {
		require.Equalf(t, 1, n, "record %s arrived %d times", id, n)
	}
	assert.Contains(t, c.output.String(), "Resuming from checkpoint")
	assert.NotContains(t, c.output.String(), simToken, "the token never reaches the log, debug level included")
}

func TestCollectorRefusesAnInvalidConfigNamingTheKeys(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "--config", filepath.Join(repoRoot, "testdata", "e2e-invalid.yaml")},
		{"--config", filepath.Join(repoRoot, "testdata", "e2e-invalid.yaml")},
	} {
		cmd := exec.Command(collectorBinary(t), args...)
		done := make(chan struct{})
		var out []byte
		var err error
		go func() {
			out, err = cmd.CombinedOutput()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("the collector started with an invalid config")
		}
		require.Error(t, err, "%s", out)
		assert.Contains(t, string(out), `"endpoint" must use https://`)
		assert.Contains(t, string(out), `"requests_per_minute" must be between 1 and 30`)
		assert.NotContains(t, string(out), simToken, "the token is never printed")
	}
}
