package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// Values of the reason attribute of records_dropped.
const (
	reasonUndecodable            = "undecodable"
	reasonInvalidTraceID         = "invalid_trace_id"
	reasonInvalidSpanID          = "invalid_span_id"
	reasonPermanentPipelineError = "permanent_pipeline_error"
)

var dropReasons = []string{reasonUndecodable, reasonInvalidTraceID, reasonInvalidSpanID, reasonPermanentPipelineError}

// streamTelemetry records one stream's self-metrics, labelled with its app and environment.
type streamTelemetry struct {
	builder *metadata.TelemetryBuilder
	appID   string
	envID   string
	// attrs label per-stream series; appAttrs per-app ones.
	attrs    metric.MeasurementOption
	appAttrs metric.MeasurementOption
}

func newStreamTelemetry(builder *metadata.TelemetryBuilder, appID, envID string) *streamTelemetry {
	return &streamTelemetry{
		builder:  builder,
		appID:    appID,
		envID:    envID,
		attrs:    metric.WithAttributes(attribute.String("app_id", appID), attribute.String("environment_id", envID)),
		appAttrs: metric.WithAttributes(attribute.String("app_id", appID)),
	}
}

// start begins the stream's counters at zero, so that dashboards and alerts see every series
// from the start rather than only after the first drop or skip.
func (t *streamTelemetry) start(ctx context.Context) {
	for _, reason := range dropReasons {
		t.dropped(ctx, reason, 0)
	}
	t.builder.ForgelogsSkippedSpan.Add(ctx, 0, t.attrs)
	t.builder.ForgelogsLateRecords.Add(ctx, 0, t.attrs)
}

// Requests implements retry.Observer.
func (t *streamTelemetry) Requests(ctx context.Context, status, n int) {
	t.builder.ForgelogsAPIRequests.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.Int("status_code", status)))
}

// RateLimitWait implements retry.Observer.
func (t *streamTelemetry) RateLimitWait(ctx context.Context, d time.Duration) {
	t.builder.ForgelogsRateLimitWait.Add(ctx, d.Seconds(), t.appAttrs)
}

// Lag implements window.Observer.
func (t *streamTelemetry) Lag(ctx context.Context, lag time.Duration) {
	t.builder.ForgelogsCheckpointLag.Record(ctx, lag.Seconds(), t.attrs)
}

// Skipped implements window.Observer.
func (t *streamTelemetry) Skipped(ctx context.Context, span time.Duration) {
	t.builder.ForgelogsSkippedSpan.Add(ctx, span.Seconds(), t.attrs)
}

// page counts a fetched page and what decoding left out of it.
func (t *streamTelemetry) page(ctx context.Context, d logsapi.Drops, logger *zap.Logger) {
	t.builder.ForgelogsPages.Add(ctx, 1, t.attrs)
	if d.Undecodable > 0 {
		t.dropped(ctx, reasonUndecodable, d.Undecodable)
		logger.Warn("Skipped records that could not be decoded; the rest of the page is delivered", zap.Int("records", d.Undecodable))
	}
	t.dropped(ctx, reasonInvalidTraceID, d.InvalidTraceID)
	t.dropped(ctx, reasonInvalidSpanID, d.InvalidSpanID)
}

// late counts a record found by the second reading, age after its timestamp.
func (t *streamTelemetry) late(ctx context.Context, age time.Duration) {
	t.builder.ForgelogsLateRecords.Add(ctx, 1, t.attrs)
	t.builder.ForgelogsLateRecordAge.Record(ctx, age.Seconds(), t.attrs)
}

func (t *streamTelemetry) received(ctx context.Context, n int) {
	t.builder.ForgelogsRecordsReceived.Add(ctx, int64(n), t.attrs)
}

func (t *streamTelemetry) dropped(ctx context.Context, reason string, n int) {
	t.builder.ForgelogsRecordsDropped.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("environment_id", t.envID), attribute.String("reason", reason)))
}
