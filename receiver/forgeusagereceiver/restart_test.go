package forgeusagereceiver

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// Every simulated period is delivered once, with its amount, across a clean restart, with the
// account's budget of five requests a minute shared by every stream.
func TestReceiverDeliversEveryPeriodOnceAcrossARestart(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 5)
	cfg := testConfig(srv.URL)
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID
	start := func(sink *consumertest.MetricsSink) component.Component {
		return receivers.Start(t, cfg, host, sink, clock)
	}
	// 4 streams x 5 windows behind: 20 requests, 4 minutes of budget; stopped half way, and the
	// restarted receiver delivers the rest.
	first, second := clock.RunAcrossARestart(start, start, simNow.Add(2*time.Minute), 3*time.Hour)

	// By now every window that ended delay + collection_interval ago has been read.
	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Hour)
	want := expectedUsage(sim, cfg, simNow.Add(-cfg.InitialLookback), caughtUp)
	requireExactlyOnce(t, want, usageKeys(t, append(first.AllMetrics(), second.AllMetrics()...)))

	for _, r := range sim.Requests() {
		require.Equal(t, "usage", r.API)
		require.Equal(t, http.StatusOK, r.Status, "%+v", r)
		require.Equal(t, time.Hour, r.End.Sub(r.Start), "one window of an hour per call")
		require.Zero(t, r.Start.Sub(r.Start.Truncate(time.Hour)), "on the hour")
		require.False(t, r.End.After(r.Time.Add(-cfg.Delay)), "read only once delay past its end")
	}
	calls := receiverharness.RequestTimes(sim, "")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), 5, "five requests a minute for the account, all streams together")
	assert.Len(t, calls, 4*(int(caughtUp.Sub(simNow.Add(-cfg.InitialLookback))/time.Hour)), "each window read once")
}
