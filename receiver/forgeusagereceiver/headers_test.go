package forgeusagereceiver

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// The X-ExperimentalAPI value is not documented: a user can override the receiver's with headers.
func TestHeadersOverrideTheExperimentalOptIn(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	var mu sync.Mutex
	var seen []string
	srv := receiverharness.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("X-ExperimentalAPI"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"resourceUsage":[],"pagination":{"page":1,"pageSize":100},"error":null}}}}}`))
	}))
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:]
	cfg.Resources = []string{"KVS_READ"}
	cfg.Headers = configopaque.MapList{{Name: "X-ExperimentalAPI", Value: "SomethingElse"}}
	clock.RunUntil(receivers.Start(t, cfg, componenttest.NewNopHost(), &consumertest.MetricsSink{}, clock), simNow.Add(time.Minute))

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, seen)
	for _, v := range seen {
		assert.Equal(t, "SomethingElse", v)
	}
}
