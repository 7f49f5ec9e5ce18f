package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
)

// Values of the reason attribute of points_dropped.
const (
	reasonOutsideWindow          = "outside_window"
	reasonUnknownEnvironment     = "unknown_environment"
	reasonPermanentPipelineError = "permanent_pipeline_error"
)

// appTelemetry records one app's self-metrics.
type appTelemetry struct {
	builder *metadata.TelemetryBuilder
	appID   string
	attrs   metric.MeasurementOption
}

func newAppTelemetry(builder *metadata.TelemetryBuilder, appID string) *appTelemetry {
	return &appTelemetry{builder: builder, appID: appID, attrs: metric.WithAttributes(attribute.String("app_id", appID))}
}

// start begins the app's counters at zero, so that dashboards and alerts see every series from
// the start.
func (t *appTelemetry) start(ctx context.Context) {
	for _, reason := range []string{reasonOutsideWindow, reasonUnknownEnvironment, reasonPermanentPipelineError} {
		t.dropped(ctx, reason, 0)
	}
	t.builder.ForgemetricsSkippedSpan.Add(ctx, 0, t.attrs)
	t.builder.ForgemetricsPointsReceived.Add(ctx, 0, t.attrs)
}

// Requests implements retry.Observer.
func (t *appTelemetry) Requests(ctx context.Context, status, n int) {
	t.builder.ForgemetricsAPIRequests.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.Int("status_code", status)))
}

// RateLimitWait implements retry.Observer.
func (t *appTelemetry) RateLimitWait(ctx context.Context, d time.Duration) {
	t.builder.ForgemetricsRateLimitWait.Add(ctx, d.Seconds(), t.attrs)
}

// Lag implements window.Observer.
func (t *appTelemetry) Lag(ctx context.Context, lag time.Duration) {
	t.builder.ForgemetricsCheckpointLag.Record(ctx, lag.Seconds(), t.attrs)
}

// Skipped implements window.Observer.
func (t *appTelemetry) Skipped(ctx context.Context, span time.Duration) {
	t.builder.ForgemetricsSkippedSpan.Add(ctx, span.Seconds(), t.attrs)
}

func (t *appTelemetry) received(ctx context.Context, n int) {
	t.builder.ForgemetricsPointsReceived.Add(ctx, int64(n), t.attrs)
}

func (t *appTelemetry) dropped(ctx context.Context, reason string, n int) {
	t.builder.ForgemetricsPointsDropped.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("reason", reason)))
}
