package forgemetricsreceiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadatatest"
)

// windowAnswer answers every window [s, e) with four delta-sum points: at s+1m and at e for
// env-3 (delivered: start < t <= end), at s for env-3 (outside the window) and at s+2m for env-9
// (an environment not asked for).
func windowAnswer(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Variables struct {
				Query struct {
					Filters struct {
						Interval struct{ Start, End time.Time }
					}
				}
			}
		}
		if !assert.NoError(t, json.NewDecoder(r.Body).Decode(&body)) {
			return
		}
		s, e := body.Variables.Query.Filters.Interval.Start, body.Variables.Query.Filters.Interval.End
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
	clock := clocktest.NewFake(simNow)
	srv := httptest.NewServer(windowAnswer(t))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:] // app-2 with env-3

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	set.ID = settings.ID
	core, logs := observer.New(zap.InfoLevel)
	set.Logger = zap.New(core)
	windows := 0
	var accepted []pmetric.Metrics
	next, err := consumer.NewMetrics(func(_ context.Context, md pmetric.Metrics) error {
		windows++
		if windows == 1 {
			return consumererror.NewPermanent(errors.New("cannot be exported"))
		}
		accepted = append(accepted, md)
		return nil
	})
	require.NoError(t, err)

	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, next)
	require.NoError(t, err)
	r := rcv.(*metricsReceiver)
	r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
	holdTime(clock, 1)
	require.NoError(t, r.Start(context.Background(), statustest.NewHost()))
	// Windows [11:00, 11:15), [11:15, 11:30), [11:30, 11:45) and the rest up to now - delay,
	// [11:45, 11:55), are read back to back; the next one would wait for the collection interval.
	runUntil(t, r, clock, simNow.Add(2*time.Minute))

	require.Equal(t, 4, windows)
	require.Len(t, accepted, 3)
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

	drops := logs.FilterMessageSnippet("Pipeline permanently refused").All()
	require.Len(t, drops, 1)
	assert.EqualValues(t, 2, drops[0].ContextMap()["points"])
	assert.Equal(t, "Permanent error: cannot be exported", drops[0].ContextMap()["error"])
}
