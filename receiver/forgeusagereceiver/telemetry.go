package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
)

// Values of the reason attribute of points_dropped.
const (
	reasonOutsideWindow          = "outside_window"
	reasonUnknownEnvironment     = "unknown_environment"
	reasonPermanentPipelineError = "permanent_pipeline_error"
)

// streamTelemetry records one (app, resource) stream's self-metrics.
type streamTelemetry struct {
	builder *metadata.TelemetryBuilder
	attrs   []attribute.KeyValue
	set     metric.MeasurementOption
}

func newStreamTelemetry(builder *metadata.TelemetryBuilder, appID, resource string) *streamTelemetry {
	attrs := []attribute.KeyValue{attribute.String("app_id", appID), attribute.String("resource", resource)}
	return &streamTelemetry{builder: builder, attrs: attrs, set: metric.WithAttributes(attrs...)}
}

func (t *streamTelemetry) with(kv attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributes(append(t.attrs[:len(t.attrs):len(t.attrs)], kv)...)
}

// start begins the stream's counters at zero, so that dashboards and alerts see every series from
// the start.
func (t *streamTelemetry) start(ctx context.Context) {
	for _, reason := range []string{reasonOutsideWindow, reasonUnknownEnvironment, reasonPermanentPipelineError} {
		t.dropped(ctx, reason, 0)
	}
	t.builder.ForgeusageSkippedSpan.Add(ctx, 0, t.set)
	t.builder.ForgeusagePointsReceived.Add(ctx, 0, t.set)
	t.builder.ForgeusagePages.Add(ctx, 0, t.set)
}

// Requests implements retry.Observer.
func (t *streamTelemetry) Requests(ctx context.Context, status, n int) {
	t.builder.ForgeusageAPIRequests.Add(ctx, int64(n), t.with(attribute.Int("status_code", status)))
}

// RateLimitWait implements retry.Observer.
func (t *streamTelemetry) RateLimitWait(ctx context.Context, d time.Duration) {
	t.builder.ForgeusageRateLimitWait.Add(ctx, d.Seconds(), t.set)
}

// Lag implements window.Observer.
func (t *streamTelemetry) Lag(ctx context.Context, lag time.Duration) {
	t.builder.ForgeusageCheckpointLag.Record(ctx, lag.Seconds(), t.set)
}

// Skipped implements window.Observer.
func (t *streamTelemetry) Skipped(ctx context.Context, span time.Duration) {
	t.builder.ForgeusageSkippedSpan.Add(ctx, span.Seconds(), t.set)
}

func (t *streamTelemetry) page(ctx context.Context) {
	t.builder.ForgeusagePages.Add(ctx, 1, t.set)
}

func (t *streamTelemetry) received(ctx context.Context, n int) {
	t.builder.ForgeusagePointsReceived.Add(ctx, int64(n), t.set)
}

func (t *streamTelemetry) dropped(ctx context.Context, reason string, n int) {
	t.builder.ForgeusagePointsDropped.Add(ctx, int64(n), t.with(attribute.String("reason", reason)))
}
