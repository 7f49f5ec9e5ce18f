package forgemetricsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// A refused listing (an app the account cannot see) is retried slowly, every few minutes as any
// refusal, not at the pace of a transient fault, and nothing of the app is polled meanwhile.
func TestReceiverRetriesARefusedListingSlowly(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := discoveringConfig(srv.URL)
	cfg.Apps[0].AppID = "app-unknown"
	host := statustest.NewHost()
	r := receivers.Create(t, cfg, settings, &consumertest.MetricsSink{}, clock)
	clock.Start(r, 1, host) // the watcher: no stream runs before the app's environments are known
	clock.RunUntil(r, simNow.Add(20*time.Minute))

	var listings int
	for _, req := range sim.Requests() {
		assert.Equal(t, "environments", req.API, "nothing of the app is polled: %+v", req)
		listings++
	}
	// Refusals wait 2, then 4, then 5 minutes: listings at 0, 2, 6, 11 and 16 minutes.
	assert.Equal(t, 5, listings)
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
}
