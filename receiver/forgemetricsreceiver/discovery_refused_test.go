package forgemetricsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// A refused listing (an app the account cannot see) is retried slowly, every few minutes as any
// refusal, not at the pace of a transient fault, and nothing of the app is polled meanwhile.
func TestReceiverRetriesARefusedListingSlowly(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	cfg.Apps[0].AppID = "app-unknown"
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateMetrics(context.Background(), settings, cfg, &consumertest.MetricsSink{})
	require.NoError(t, err)
	r := rcv.(*metricsReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	clock.SetParticipants(2) // the watcher, and the test until it says where to stop
	host := statustest.NewHost()
	require.NoError(t, r.Start(context.Background(), host))
	stopped := make(chan struct{})
	clock.StopAt(simNow.Add(20*time.Minute), func() { close(stopped) })
	clock.SetParticipants(1) // no stream runs before the app's environments are known
	<-stopped
	require.NoError(t, r.Shutdown(context.Background()))

	var listings int
	for _, req := range sim.Requests() {
		assert.Equal(t, "environments", req.API, "nothing of the app is polled: %+v", req)
		listings++
	}
	// Refusals wait 2, then 4, then 5 minutes: listings at 0, 2, 6, 11 and 16 minutes.
	assert.Equal(t, 5, listings)
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
}
