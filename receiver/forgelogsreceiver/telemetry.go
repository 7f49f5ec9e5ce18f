package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/selfmetrics"
	"github.com/forgelogs/otelcol-forge/internal/window"

	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// Values of the reason attribute of records_dropped.
const (
	reasonUndecodable    = "undecodable"
	reasonInvalidTraceID = "invalid_trace_id"
	reasonInvalidSpanID  = "invalid_span_id"
)

// streamTelemetry records one stream's self-metrics, labelled with its app and environment.
type streamTelemetry struct {
	*selfmetrics.Stream
	builder *metadata.TelemetryBuilder
}

func newStreamTelemetry(builder *metadata.TelemetryBuilder, appID, envID string) *streamTelemetry {
	app := attribute.String("app_id", appID)
	return &streamTelemetry{
		// Requests and rate limit wait are the app's: its streams share its budget.
		Stream: selfmetrics.New(selfmetrics.Instruments{
			Requests: builder.ForgelogsAPIRequests, RateLimitWait: builder.ForgelogsRateLimitWait,
			Lag: builder.ForgelogsCheckpointLag, Skipped: builder.ForgelogsSkippedSpan,
			Received: builder.ForgelogsRecordsReceived, Dropped: builder.ForgelogsRecordsDropped,
		}, []attribute.KeyValue{app}, []attribute.KeyValue{app, attribute.String("environment_id", envID)}),
		builder: builder,
	}
}

// start begins the stream's counters at zero, so that dashboards and alerts see every series
// from the start rather than only after the first drop or skip.
func (t *streamTelemetry) start(ctx context.Context) {
	t.Start(ctx, reasonUndecodable, reasonInvalidTraceID, reasonInvalidSpanID, window.ReasonPermanentPipelineError)
	t.builder.ForgelogsLateRecords.Add(ctx, 0, t.Attributes())
}

// page counts a fetched page and what decoding left out of it.
func (t *streamTelemetry) page(ctx context.Context, d logsapi.Drops, logger *zap.Logger) {
	t.builder.ForgelogsPages.Add(ctx, 1, t.Attributes())
	if d.Undecodable > 0 {
		t.Dropped(ctx, reasonUndecodable, d.Undecodable)
		logger.Warn("Skipped records that could not be decoded; the rest of the page is delivered", zap.Int("records", d.Undecodable))
	}
	t.Dropped(ctx, reasonInvalidTraceID, d.InvalidTraceID)
	t.Dropped(ctx, reasonInvalidSpanID, d.InvalidSpanID)
}

// late counts a record found by the second reading, age after its timestamp.
func (t *streamTelemetry) late(ctx context.Context, age time.Duration) {
	t.builder.ForgelogsLateRecords.Add(ctx, 1, t.Attributes())
	t.builder.ForgelogsLateRecordAge.Record(ctx, age.Seconds(), t.Attributes())
}
