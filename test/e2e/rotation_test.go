//go:build e2e

package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

const rotatedToken = "e2e-rotated-token-value"

// secretDir is a Secret volume as the kubelet writes it (its AtomicWriter): the key is a symlink
// into ..data, itself a symlink to a timestamped directory; an update writes a new directory and
// swaps ..data atomically, then removes the old directory.
type secretDir struct {
	t       *testing.T
	dir     string
	current string
}

func newSecretDir(t *testing.T, key, value string) *secretDir {
	s := &secretDir{t: t, dir: t.TempDir()}
	s.write(key, value)
	require.NoError(t, os.Symlink(filepath.Join("..data", key), filepath.Join(s.dir, key)))
	return s
}

// write puts value under key in a new timestamped directory and points ..data at it.
func (s *secretDir) write(key, value string) {
	t := s.t
	ts := ".." + time.Now().UTC().Format("2006_01_02_15_04_05.000000000")
	require.NoError(t, os.Mkdir(filepath.Join(s.dir, ts), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(s.dir, ts, key), []byte(value), 0o644))
	require.NoError(t, os.Symlink(ts, filepath.Join(s.dir, "..data_tmp")))
	require.NoError(t, os.Rename(filepath.Join(s.dir, "..data_tmp"), filepath.Join(s.dir, "..data")))
	if s.current != "" {
		require.NoError(t, os.RemoveAll(filepath.Join(s.dir, s.current)))
	}
	s.current = ts
}

func basicCredentials(email, token string) string {
	return base64.StdEncoding.EncodeToString([]byte(email + ":" + token))
}

// waitForRequest waits until the simulator has logged a request of api (logs or metrics) at or
// after since that ok accepts.
func waitForRequest(t *testing.T, sim *forgesim.Server, api string, since time.Time, timeout time.Duration, ok func(forgesim.Request) bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, r := range sim.Requests() {
			if r.API == api && !r.Time.Before(since) && ok(r) {
				return r.Time
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such %s request within %s", api, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func refused(r forgesim.Request) bool { return r.Status == 401 || r.QueryStatus == 401 }
func answered(r forgesim.Request) bool {
	return r.Status == 200 && r.QueryStatus == 0 && r.Fault == ""
}

// Both receivers authenticate through bearertokenauth reading a Secret mounted as a file. The
// token expires (the API refuses it), the Secret is rotated the way Kubernetes does it, and both
// receivers recover in the same process at their next retry of the refusal, with every record
// and point of the refused span delivered once and no credentials in the collector's output.
func TestRotatedCredentialsAreTakenWithoutARestart(t *testing.T) {
	started := time.Now()
	sim, api := newSimulator(t, forgesim.Config{Origin: started.Add(-time.Hour), RecordsPerSecond: 1, PageSize: 500})
	b := newBackend(t)
	secret := newSecretDir(t, "credentials", basicCredentials("sim@example.com", simToken)+"\n")
	c := startCollector(t, collectorEnv{
		apiEndpoint: api, otlpEndpoint: b.srv.URL, storageDir: t.TempDir(), lookback: "5m", rpm: "600",
		config: "e2e-rotation.yaml",
		extra:  []string{"E2E_CREDENTIALS_FILE=" + filepath.Join(secret.dir, "credentials")},
	})
	from := started.Add(-5 * time.Minute)
	waitForAll(t, b, expectedIDs(sim, from.Add(time.Second), started), time.Minute)
	waitForPoints(t, b, expectedPoints(sim, from.Truncate(time.Minute), started.Add(-time.Second).Truncate(time.Minute)), time.Minute)

	// The token expires: both APIs refuse it from now on. Caught up, the metrics receiver calls
	// once a minute, just after the minute (its windows are whole minutes): the token expires
	// shortly before one, so that both receivers meet the refusal within seconds.
	expiry := time.Now().Truncate(time.Minute).Add(57 * time.Second)
	if time.Until(expiry) < time.Second {
		expiry = expiry.Add(time.Minute)
	}
	time.Sleep(time.Until(expiry))
	expired := time.Now()
	sim.SetToken("sim@example.com", rotatedToken)
	waitForRequest(t, sim, "logs", expired, 30*time.Second, refused)
	waitForRequest(t, sim, "metrics", expired, 30*time.Second, refused)

	rotated := time.Now()
	secret.write("credentials", basicCredentials("sim@example.com", rotatedToken)+"\n")
	// A refusal is retried 1 to 2 minutes after the first one.
	logsBack := waitForRequest(t, sim, "logs", rotated, 3*time.Minute, answered)
	metricsBack := waitForRequest(t, sim, "metrics", rotated, 3*time.Minute, answered)
	require.True(t, c.running(), "the collector was not restarted")

	// Nothing of the refused span is missing, nothing arrived twice.
	waitForAll(t, b, expectedIDs(sim, from.Add(time.Second), logsBack.Add(-2*time.Second)), time.Minute)
	waitForPoints(t, b, expectedPoints(sim, from.Truncate(time.Minute), metricsBack.Add(-2*time.Second).Truncate(time.Minute)), time.Minute)
	counts, _ := b.snapshot()
	for id, n := range counts {
		require.Equalf(t, 1, n, "record %s arrived %d times", id, n)
	}
	for key, n := range b.pointSnapshot() {
		require.Equalf(t, 1, n, "point %s arrived %d times", key, n)
	}
	c.stop(t)

	out := c.output.String()
	require.Contains(t, out, "API refused the request", "the refusal was logged")
	for _, credential := range []string{simToken, rotatedToken, basicCredentials("sim@example.com", simToken), basicCredentials("sim@example.com", rotatedToken)} {
		require.False(t, strings.Contains(out, credential), "the collector's output holds credentials")
	}
}
