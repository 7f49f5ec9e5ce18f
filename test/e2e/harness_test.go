//go:build e2e

// Package e2e runs the built collector, bin/otelcol-forge, against the Forge API simulator and
// checks what reaches an OTLP/HTTP backend served by the test.
package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

const (
	simToken = "e2e-secret-token-value"
	simApp   = "sim-app"
	simEnv   = "sim-env"
)

var repoRoot = func() string {
	dir, _ := filepath.Abs(filepath.Join("..", ".."))
	return dir
}()

func collectorBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(repoRoot, "bin", "otelcol-forge")
	_, err := os.Stat(bin)
	require.NoError(t, err, "build the collector first: make build")
	return bin
}

// backend is an OTLP/HTTP endpoint that counts log records by invocationId and data points by
// the simulator's point key.
type backend struct {
	srv *httptest.Server

	mu     sync.Mutex
	counts map[string]int
	total  int
	points map[string]int
}

func newBackend(t *testing.T) *backend {
	b := &backend{counts: map[string]int{}, points: map[string]int{}}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/v1/metrics" {
			b.serveMetrics(w, body)
			return
		}
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		b.add(req)
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := plogotlp.NewExportResponse().MarshalProto()
		_, _ = w.Write(out)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) add(req plogotlp.ExportRequest) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rls := req.Logs().ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				id, _ := lrs.At(k).Attributes().Get("invocationId")
				b.counts[id.Str()]++
				b.total++
			}
		}
	}
}

func (b *backend) snapshot() (map[string]int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.counts))
	for k, v := range b.counts {
		out[k] = v
	}
	return out, b.total
}

// simulator serves the Forge API on loopback with the given faults.
func newSimulator(t *testing.T, cfg forgesim.Config) (*forgesim.Server, string) {
	t.Helper()
	cfg.Email, cfg.Token = "sim@example.com", simToken
	cfg.Apps = map[string][]string{simApp: {simEnv}}
	sim := forgesim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// collector is one run of bin/otelcol-forge.
type collector struct {
	cmd    *exec.Cmd
	output *bytes.Buffer
	done   chan error
}

type collectorEnv struct {
	apiEndpoint, otlpEndpoint, storageDir, lookback, rpm string
	// timeout is the API client's; empty for the default.
	timeout string
	// config names a file of testdata/; empty for e2e-collector.yaml.
	config string
	// extra are further NAME=value variables for config.
	extra []string
	// lateArrival is the logs receiver's late_arrival; empty for the default.
	lateArrival string
	// usageLookback and usageRPM are the usage receiver's; empty for the config's defaults.
	usageLookback, usageRPM string
}

func startCollector(t *testing.T, env collectorEnv) *collector {
	t.Helper()
	config := env.config
	if config == "" {
		config = "e2e-collector.yaml"
	}
	cmd := exec.Command(collectorBinary(t), "--config", filepath.Join(repoRoot, "testdata", config))
	cmd.Env = append(os.Environ(),
		"E2E_API_ENDPOINT="+env.apiEndpoint,
		"E2E_API_TOKEN="+simToken,
		"E2E_OTLP_ENDPOINT="+env.otlpEndpoint,
		"E2E_STORAGE_DIR="+env.storageDir,
		"E2E_LOOKBACK="+env.lookback,
		"E2E_RPM="+env.rpm,
		"E2E_LOG_LEVEL=debug",
	)
	if env.timeout != "" {
		cmd.Env = append(cmd.Env, "E2E_TIMEOUT="+env.timeout)
	}
	cmd.Env = append(cmd.Env, env.extra...)
	if env.lateArrival != "" {
		cmd.Env = append(cmd.Env, "E2E_LATE_ARRIVAL="+env.lateArrival)
	}
	if env.usageLookback != "" {
		cmd.Env = append(cmd.Env, "E2E_USAGE_LOOKBACK="+env.usageLookback)
	}
	if env.usageRPM != "" {
		cmd.Env = append(cmd.Env, "E2E_USAGE_RPM="+env.usageRPM)
	}
	c := &collector{cmd: cmd, output: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &lockedWriter{w: c.output}, &lockedWriter{w: c.output}
	require.NoError(t, cmd.Start())
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-c.done //nolint:errcheck // killed: its exit status says nothing
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", c.output.String())
		}
	})
	return c
}

// stop ends the collector with SIGTERM and waits for a clean exit.
func (c *collector) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-c.done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("the collector did not stop within 15s of SIGTERM")
	}
}

// kill ends the collector with SIGKILL, as a crash would.
func (c *collector) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Kill())
	<-c.done //nolint:errcheck // killed: its exit status says nothing
}

func (c *collector) running() bool {
	select {
	case err := <-c.done:
		c.done <- err
		return false
	default:
		return true
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// expectedIDs lists what the simulator serves between from and until.
func expectedIDs(sim *forgesim.Server, from, until time.Time) []string {
	var ids []string
	for _, r := range sim.Visible(simApp, simEnv, from, until) {
		ids = append(ids, forgesim.InvocationID(simEnv, r.Index))
	}
	return ids
}

// waitForAll waits until the backend holds every id of want.
func waitForAll(t *testing.T, b *backend, want []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, _ := b.snapshot()
		missing := 0
		for _, id := range want {
			if got[id] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d records never arrived", missing, len(want))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
