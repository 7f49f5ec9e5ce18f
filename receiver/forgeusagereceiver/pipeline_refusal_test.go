package forgeusagereceiver

import (
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// A pipeline that accepts two pages, then refuses (retryably) until the collector stops: the
// restarted receiver delivers the refused page and the rest, and every period arrives once. The
// checkpoint never runs ahead of what the pipeline accepted.
func TestReceiverCommitsOnlyWhatThePipelineAccepted(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := pagedSim(t, clock)
	cfg := pagedConfig(srv.URL, "OS_REQUESTS")
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID

	refusing := receiverharness.NewPipeline(func(call int, _ pmetric.Metrics) error {
		if call >= 2 {
			return errors.New("exporter queue is full")
		}
		return nil
	}, nil)
	clock.RunUntil(receivers.Start(t, cfg, host, refusing, clock), simNow.Add(10*time.Minute))
	second := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, host, second, clock), clock.Now().Add(10*time.Minute))

	day := simNow.Truncate(24 * time.Hour)
	want := expectedUsage(sim, cfg, day.Add(-24*time.Hour), day)
	require.Len(t, want, 72)
	requireExactlyOnce(t, want, usageKeys(t, append(refusing.Accepted(), second.AllMetrics()...)))
}
