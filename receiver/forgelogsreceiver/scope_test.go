package forgelogsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// Every record's scope is the receiver's import path at the version of the collector build.
func TestReceiverStampsTheScopeWithTheBuildVersion(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSimServer(t, clock, 6000)
	cfg := testConfig(srv.URL, 6000)
	set := receivertest.NewNopSettings(metadata.Type)
	set.BuildInfo.Version = "1.2.3-guard"
	sink := &consumertest.LogsSink{}
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	r := rcv.(*forgeReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	clock.SetParticipants(len(streamSpecs(cfg)))
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	runUntil(t, r, clock, simNow.Add(time.Minute))

	require.Positive(t, sink.LogRecordCount())
	for _, logs := range sink.AllLogs() {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			scope := logs.ResourceLogs().At(i).ScopeLogs().At(0).Scope()
			require.Equal(t, "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", scope.Name())
			require.Equal(t, "1.2.3-guard", scope.Version())
		}
	}
}
