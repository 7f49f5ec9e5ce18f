package forgeusagereceiver

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
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadatatest"
)

// windowAnswer answers every window [s, e) with three entries: env-3's hour at s (delivered),
// env-9's hour at s (an environment the app entry does not list) and env-3's hour before s
// (outside the window).
func windowAnswer(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var asked struct {
			Filters struct{ Interval struct{ Start time.Time } }
		}
		if !receiverharness.GraphQLVariables(t, r, &asked) {
			return
		}
		s := asked.Filters.Interval.Start
		group := func(env string) string {
			return fmt.Sprintf(`{"groupBy":"ENVIRONMENT_ID","groupValue":%q,"tokensConsumed":"1.500000","tokenUnit":"GB-seconds"}`, env)
		}
		period := func(at time.Time, groups ...string) string {
			out := fmt.Sprintf(`{"period":%q,"resolution":"ONE_HOUR","groups":[`, at.Format(time.RFC3339))
			for i, g := range groups {
				if i > 0 {
					out += ","
				}
				out += g
			}
			return out + "]}"
		}
		_, _ = fmt.Fprintf(w, `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"resourceUsage":[%s,%s],"pagination":{"page":1,"pageSize":100},"error":null}}}}}`,
			period(s, group("env-3"), group("env-9")), period(s.Add(-time.Hour), group("env-3")))
	}
}

// Two windows of three entries each (one delivered, one of another environment, one outside the
// window): the first refused for good by the pipeline, the second accepted. Every count below is
// written from that script.
func TestReceiverTelemetry(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	srv := receiverharness.Serve(t, windowAnswer(t))
	cfg := testConfig(srv.URL)
	cfg.Apps = cfg.Apps[1:] // app-2 with env-3
	cfg.Resources = []string{"FUNCTION_COMPUTE"}
	cfg.InitialLookback = 3 * time.Hour // windows [09:00, 10:00) and [10:00, 11:00) are final at noon

	obs := receiverharness.Observe(t, settings, zap.InfoLevel)
	p := receiverharness.NewPipeline(receiverharness.RefuseTheFirstForGood, nil)
	r := receivers.Create(t, cfg, obs.Settings, p, clock)
	clock.Start(r, 1, statustest.NewHost())
	clock.RunUntil(r, simNow.Add(2*time.Minute))

	require.Len(t, p.Handed(), 2)
	require.Len(t, p.Accepted(), 1)
	require.Equal(t, 1, p.AcceptedPoints())
	tel, logs := obs.Telemetry, obs.Logs
	app := attribute.String("app_id", "app-2")
	resource := attribute.String("resource", "FUNCTION_COMPUTE")
	metadatatest.AssertEqualForgeusageAPIRequests(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app, resource, attribute.Int("status_code", 200)), Value: 2},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgeusagePages(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app, resource), Value: 2},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgeusagePointsReceived(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app, resource), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgeusagePointsDropped(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(app, resource, attribute.String("reason", "outside_window")), Value: 2},
		{Attributes: attribute.NewSet(app, resource, attribute.String("reason", "unknown_environment")), Value: 2},
		{Attributes: attribute.NewSet(app, resource, attribute.String("reason", "permanent_pipeline_error")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualForgeusageSkippedSpan(t, tel, []metricdata.DataPoint[float64]{
		{Attributes: attribute.NewSet(app, resource), Value: 0},
	}, metricdatatest.IgnoreTimestamp())

	drops := logs.FilterMessageSnippet("Pipeline permanently refused").All()
	require.Len(t, drops, 1)
	assert.EqualValues(t, 1, drops[0].ContextMap()["points"])
	outside := logs.FilterMessageSnippet("do not fit the window").All()
	require.Len(t, outside, 1, "logged once, however often it happens")
	assert.Contains(t, outside[0].Message, "longer window")
	assert.Len(t, logs.FilterMessageSnippet("environments the app entry does not list").All(), 1)
}
