package forgeusagereceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// With the default delay of 3 hours, the window [11:00, 12:00) is read once at 15:00, not before:
// a period is taken as final only delay past the end of its window. The next window waits for
// 16:00.
func TestAWindowIsReadOnceItIsDelayPastItsEnd(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Delay = defaultDelay
	cfg.InitialLookback = time.Hour
	cfg.Apps = cfg.Apps[1:]
	cfg.Resources = []string{"SQL_STORAGE"}
	sink := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, componenttest.NewNopHost(), sink, clock), simNow.Add(3*time.Hour+59*time.Minute))

	requests := sim.Requests()
	require.Len(t, requests, 1, "one window became final, and it was read once")
	assert.Equal(t, simNow.Add(-time.Hour), requests[0].Start)
	assert.Equal(t, simNow, requests[0].End)
	assert.False(t, requests[0].Time.Before(simNow.Add(3*time.Hour)), "not before 15:00")
	assert.False(t, requests[0].Time.After(simNow.Add(3*time.Hour+cfg.CollectionInterval)), "within a collection_interval of 15:00")
	assert.Equal(t, 1, sink.DataPointCount(), "the hour of env-3")
}
