package forgeusagereceiver

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// pagedSim serves a week of usage of app-1's env-1 in pages of ten entries.
func pagedSim(t *testing.T, clock *receiverharness.FakeTime) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	return receiverharness.Sim(t, forgesim.Config{
		Apps: map[string][]string{"app-1": {"env-1"}}, Origin: simNow.Add(-7 * 24 * time.Hour), UsagePageSize: 10, Now: clock.Now,
	})
}

// pagedConfig reads resource of app-1's env-1 at endpoint by site, a day a window, the last day.
func pagedConfig(endpoint, resource string) *Config {
	cfg := testConfig(endpoint)
	cfg.GroupBy = usageapi.GroupBySite
	cfg.Resources = []string{resource}
	cfg.Window = 24 * time.Hour
	cfg.InitialLookback = 24 * time.Hour
	cfg.Apps = []AppConfig{{AppID: "app-1", Environments: []EnvironmentConfig{{ID: "env-1"}}}}
	return cfg
}

// A window whose answer spans several pages is read to its end, and a restart in the middle of
// it resumes at the next page: every period once.
func TestReceiverFollowsPagesAndResumesInsideAWindow(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := pagedSim(t, clock)
	cfg := pagedConfig(srv.URL, "LLM_INPUT")
	cfg.RequestsPerMinute = 2
	host, storageID := receiverharness.StorageHost(t)
	cfg.StorageID = storageID

	// 72 entries in pages of 10: 8 pages, at 2 a minute; stopped after a few.
	start := func(sink *consumertest.MetricsSink) component.Component {
		return receivers.Start(t, cfg, host, sink, clock)
	}
	first, second := clock.RunAcrossARestart(start, start, simNow.Add(90*time.Second), 5*time.Minute)
	require.Less(t, first.DataPointCount(), 72, "stopped inside the window")
	require.Zero(t, first.DataPointCount()%10, "whole pages")

	day := simNow.Truncate(24 * time.Hour)
	want := expectedUsage(sim, cfg, day.Add(-24*time.Hour), day)
	require.Len(t, want, 72)
	requireExactlyOnce(t, want, usageKeys(t, append(first.AllMetrics(), second.AllMetrics()...)))
	var pages []int
	for _, r := range sim.Requests() {
		pages = append(pages, r.Page)
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, pages, "each page read once, to the last short one")
}
