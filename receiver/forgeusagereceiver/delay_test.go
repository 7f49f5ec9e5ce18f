package forgeusagereceiver

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// With the default delay of 3 hours, the window [11:00, 12:00) is read once at 15:00, not before:
// a period is taken as final only delay past the end of its window. The next window waits for
// 16:00.
func TestAWindowIsReadOnceItIsDelayPastItsEnd(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Delay = defaultDelay
	cfg.InitialLookback = time.Hour
	cfg.Apps = cfg.Apps[1:]
	cfg.Resources = []string{"SQL_STORAGE"}
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), sink, clock), clock, simNow.Add(3*time.Hour+59*time.Minute))

	requests := sim.Requests()
	require.Len(t, requests, 1, "one window became final, and it was read once")
	assert.Equal(t, simNow.Add(-time.Hour), requests[0].Start)
	assert.Equal(t, simNow, requests[0].End)
	assert.False(t, requests[0].Time.Before(simNow.Add(3*time.Hour)), "not before 15:00")
	assert.False(t, requests[0].Time.After(simNow.Add(3*time.Hour+cfg.CollectionInterval)), "within a collection_interval of 15:00")
	assert.Equal(t, 1, sink.DataPointCount(), "the hour of env-3")
}

// The X-ExperimentalAPI value is not documented: a user can override the receiver's with headers.
func TestHeadersOverrideTheExperimentalOptIn(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("X-ExperimentalAPI"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"resourceUsage":[],"pagination":{"page":1,"pageSize":100},"error":null}}}}}`))
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:]
	cfg.Resources = []string{"KVS_READ"}
	cfg.Headers = configopaque.MapList{{Name: "X-ExperimentalAPI", Value: "SomethingElse"}}
	runUntil(t, startReceiver(t, cfg, componenttest.NewNopHost(), &consumertest.MetricsSink{}, clock), clock, simNow.Add(time.Minute))

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, seen)
	for _, v := range seen {
		assert.Equal(t, "SomethingElse", v)
	}
}
