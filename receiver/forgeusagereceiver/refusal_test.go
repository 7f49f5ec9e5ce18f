package forgeusagereceiver

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// A refused token is reported and retried slowly; once fixed, the streams read again.
func TestReceiverReportsARefusedTokenAndRecovers(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, _ := newSim(t, clock, 0)
	refusal := `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"resourceUsage":null,"pagination":null,"error":{"message":"Unauthorized","identifier":"x","extensions":{"statusCode":401,"errorType":"UNAUTHENTICATED"}}}}}}}`
	clock.RequireRecoveryFromARefusedToken(sim, refusal, simNow.Add(10*time.Minute), func(endpoint string, host component.Host, sink *consumertest.MetricsSink) component.Component {
		cfg := testConfig(endpoint)
		cfg.Apps = cfg.Apps[:1]
		cfg.Resources = []string{"KVS_WRITE"}
		return receivers.Start(t, cfg, host, sink, clock)
	})
}
