package forgemetricsreceiver

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// A refused token is reported and retried slowly; once fixed, the apps read again.
func TestReceiverReportsARefusedTokenAndRecovers(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, _ := newSim(t, clock, 0)
	refusal := `{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"message":"Unauthorized","identifier":"x","extensions":{"statusCode":401,"errorType":"UNAUTHENTICATED"}}}}}}`
	clock.RequireRecoveryFromARefusedToken(sim, refusal, simNow.Add(10*time.Minute), func(endpoint string, host component.Host, sink *consumertest.MetricsSink) component.Component {
		cfg := testConfig(endpoint)
		cfg.Apps = cfg.Apps[:1]
		return receivers.Start(t, cfg, host, sink, clock)
	})
}

// A 400 that repeats at the 14-day edge (here a metric name the API rejects, with the documented
// maximum initial_lookback) moves the app inside the limit once, then is a refusal: reported,
// logged with its reason and retried slowly, not taken for expiry again and again at the
// budget's full rate.
func TestReceiverTakesA400ThatRepeatsAtTheRetentionEdgeForARefusal(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	var requests atomic.Int64
	srv := receiverharness.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		_, _ = w.Write([]byte(`{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"message":"Invalid metric FOO_BAR","identifier":"x","extensions":{"statusCode":400,"errorType":"BAD_REQUEST"}}}}}}`))
	}))
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[:1]
	cfg.InitialLookback = 14 * 24 * time.Hour
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT", "FOO_BAR"}
	obs := receiverharness.Observe(t, settings, zap.InfoLevel)
	host := statustest.NewHost()

	r := receivers.Create(t, cfg, obs.Settings, &consumertest.MetricsSink{}, clock)
	clock.Start(r, 1, host)
	clock.RunUntil(r, simNow.Add(5*time.Minute))

	assert.Equal(t, 1, obs.Logs.FilterMessageSnippet("14-day edge").Len(), "moved inside the limit once")
	refused := obs.Logs.FilterMessageSnippet("API refused the request").All()
	require.NotEmpty(t, refused)
	assert.Contains(t, refused[0].ContextMap()["reason"], "Invalid metric FOO_BAR")
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
	// At 0s the edge, at once the refusal, then retries after 2 and 4 minutes.
	assert.EqualValues(t, 3, requests.Load(), "retried slowly, not at the budget's rate")
}
