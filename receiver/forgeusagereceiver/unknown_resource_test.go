package forgeusagereceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// A resource name the receiver does not know is no configuration error: it is asked for, with a
// warning at start. The simulator, like a GraphQL server, rejects it; the refusal names it, is
// reported as a recoverable status and retried slowly, while the known resources flow.
func TestAnUnknownResourceIsAWarningAndItsRefusalNamesIt(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	_, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:]
	cfg.Resources = []string{"KVS_READ", "GPU_COMPUTE"}
	obs := receiverharness.Observe(t, settings, zap.InfoLevel)
	sink := &consumertest.MetricsSink{}
	host := statustest.NewHost()
	r := receivers.Create(t, cfg, obs.Settings, sink, clock)
	clock.Start(r, streamCount(cfg), host)
	clock.RunUntil(r, simNow.Add(10*time.Minute))

	logs := obs.Logs
	warnings := logs.FilterMessageSnippet("Resource names the API does not document").All()
	require.Len(t, warnings, 1)
	assert.Equal(t, []any{"GPU_COMPUTE"}, warnings[0].ContextMap()["resources"])
	refused := logs.FilterMessageSnippet("API refused the request").All()
	require.NotEmpty(t, refused)
	assert.Contains(t, refused[0].ContextMap()["reason"], "GPU_COMPUTE")
	assert.Equal(t, "GPU_COMPUTE", refused[0].ContextMap()["resource"])
	assert.LessOrEqual(t, len(refused), 5, "retried slowly, not at the budget's rate")
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
	assert.Positive(t, sink.DataPointCount(), "KVS_READ flows beside the refused stream")
}
