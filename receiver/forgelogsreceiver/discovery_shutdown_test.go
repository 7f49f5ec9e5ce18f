package forgelogsreceiver

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// Shutdown waits for the streams of discovered environments, as for listed ones: none of them
// hands data to the pipeline, or writes a checkpoint, after Shutdown returned.
func TestReceiverShutdownWaitsForTheStreamsOfDiscoveredEnvironments(t *testing.T) {
	sim := newLiveSim(t, map[string][]string{"app-1": {"env-prod"}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := discoveringLogsConfig(srv.URL, AppConfig{AppID: "app-1"})

	entered, shutDown, returned := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	var afterShutdown atomic.Bool
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		if calls.Add(1) > 1 {
			return nil
		}
		close(entered)
		defer close(returned)
		// The pipeline is slow: a stream is still handing over when Shutdown begins. The bound
		// only ends the wait when Shutdown rightly waits for this hand-over.
		select {
		case <-shutDown:
			afterShutdown.Store(true)
		case <-time.After(time.Second):
		}
		return nil
	})
	require.NoError(t, err)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), statustest.NewHost()))
	<-entered
	require.NoError(t, rcv.Shutdown(context.Background()))
	close(shutDown)
	<-returned
	assert.False(t, afterShutdown.Load(), "a discovered environment's stream still ran when Shutdown returned")
}
