package forgeusagereceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// A resource name the receiver does not know is no configuration error: it is asked for, with a
// warning at start. The simulator, like a GraphQL server, rejects it; the refusal names it, is
// reported as a recoverable status and retried slowly, while the known resources flow.
func TestAnUnknownResourceIsAWarningAndItsRefusalNamesIt(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	_, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:]
	cfg.Resources = []string{"KVS_READ", "GPU_COMPUTE"}
	core, logs := observer.New(zap.InfoLevel)
	set := settings
	set.Logger = zap.New(core)
	sink := &consumertest.MetricsSink{}
	r := newTestReceiver(t, cfg, set, sink, clock)
	clock.SetParticipants(streamCount(cfg) + 1)
	host := statustest.NewHost()
	require.NoError(t, r.Start(context.Background(), host))
	runUntil(t, r, clock, simNow.Add(10*time.Minute))

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
