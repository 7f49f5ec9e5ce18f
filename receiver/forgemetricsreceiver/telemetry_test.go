package forgemetricsreceiver

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadatatest"
)

// windowAnswer answers every window [s, e) with four delta-sum points: at s+1m and at e for
// env-3 (delivered: start < t <= end), at s for env-3 (outside the window) and at s+2m for env-9
// (an environment not asked for).
func windowAnswer(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var asked struct {
			Query struct {
				Filters struct {
					Interval struct{ Start, End time.Time }
				}
			}
		}
		if !receiverharness.GraphQLVariables(t, r, &asked) {
			return
		}
		s, e := asked.Query.Filters.Interval.Start, asked.Query.Filters.Interval.End
		point := func(env string, at time.Time) string {
			return fmt.Sprintf(`{"attributes":[{"key":"environmentId","value":{"stringValue":%q}}],"startTimeUnixNano":"%d","timeUnixNano":"%d","asInt":"1"}`,
				env, at.Add(-time.Minute).UnixNano(), at.UnixNano())
		}
		_, _ = fmt.Fprintf(w, `{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"resourceMetrics":[{"resource":{},"scopeMetrics":[{"metrics":[{"name":"forge_backend_invocation_count","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[%s,%s,%s,%s]}}]}]}]}}}}}`,
			point("env-3", s.Add(time.Minute)), point("env-3", e), point("env-3", s), point("env-9", s.Add(2*time.Minute)))
	}
}

// Four windows of four points each (two inside the window, one on its start, one of an
// environment not asked for): the first refused for good by the pipeline, the others accepted.
// Every count below is written from that script.
func TestReceiverTelemetry(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	srv := receiverharness.Serve(t, windowAnswer(t))
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:] // app-2 with env-3

	obs := receiverharness.Observe(t, settings, zap.InfoLevel)
	p := receiverharness.NewPipeline(receiverharness.RefuseTheFirstForGood, nil)
	r := receivers.Create(t, cfg, obs.Settings, p, clock)
	clock.Start(r, 1, statustest.NewHost())
	// Windows [11:00, 11:15), [11:15, 11:30), [11:30, 11:45) and the rest up to now - delay,
	// [11:45, 11:55), are read back to back; the next one would wait for the collection interval.
	clock.RunUntil(r, simNow.Add(2*time.Minute))

	require.Len(t, p.Handed(), 4)
	require.Len(t, p.Accepted(), 3)
	tel := obs.Telemetry
	app := attribute.String("app_id", "app-2")
	metadatatest.AssertEqualForgemetricsAPIRequests(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app, attribute.Int("status_code", 200)), Value: 4},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgemetricsPointsReceived(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app), Value: 6},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgemetricsPointsDropped(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app, attribute.String("reason", "outside_window")), Value: 4},
		{Attributes: attribute.NewSet(app, attribute.String("reason", "unknown_environment")), Value: 4},
		{Attributes: attribute.NewSet(app, attribute.String("reason", "permanent_pipeline_error")), Value: 2},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgemetricsSkippedSpan(t, tel, []metricdata.DataPoint[float64]{
		{Attributes: attribute.NewSet(app), Value: 0},
	}, metricdatatest.IgnoreTimestamp())

	drops := obs.Logs.FilterMessageSnippet("Pipeline permanently refused").All()
	require.Len(t, drops, 1)
	assert.EqualValues(t, 2, drops[0].ContextMap()["points"])
	assert.Equal(t, "Permanent error: cannot be exported", drops[0].ContextMap()["error"])
}
