package forgeusagereceiver

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// A pipeline that accepts two pages, then refuses (retryably) until the collector stops: the
// restarted receiver delivers the refused page and the rest, and every period arrives once. The
// checkpoint never runs ahead of what the pipeline accepted.
func TestReceiverCommitsOnlyWhatThePipelineAccepted(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken, Apps: map[string][]string{"app-1": {"env-1"}},
		Origin: simNow.Add(-7 * 24 * time.Hour), UsagePageSize: 10, Now: clock.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.GroupBy = usageapi.GroupBySite
	cfg.Resources = []string{"OS_REQUESTS"}
	cfg.Window = 24 * time.Hour
	cfg.InitialLookback = 24 * time.Hour
	cfg.Apps = []AppConfig{{AppID: "app-1", Environments: []EnvironmentConfig{{ID: "env-1"}}}}
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	cfg.StorageID = &storageID

	var mu sync.Mutex
	var accepted []pmetric.Metrics
	refusing, err := consumer.NewMetrics(func(_ context.Context, md pmetric.Metrics) error {
		mu.Lock()
		defer mu.Unlock()
		if len(accepted) == 2 {
			return errors.New("exporter queue is full")
		}
		accepted = append(accepted, md)
		return nil
	})
	require.NoError(t, err)
	first := newTestReceiver(t, cfg, settings, refusing, clock)
	clock.SetParticipants(streamCount(cfg) + 1)
	require.NoError(t, first.Start(context.Background(), host))
	runUntil(t, first, clock, simNow.Add(10*time.Minute))

	second := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, second, clock), clock, clock.Now().Add(10*time.Minute))

	day := simNow.Truncate(24 * time.Hour)
	want := expectedUsage(sim, cfg, day.Add(-24*time.Hour), day)
	require.Len(t, want, 72)
	mu.Lock()
	defer mu.Unlock()
	requireExactlyOnce(t, want, usageKeys(t, append(accepted, second.AllMetrics()...)))
}
