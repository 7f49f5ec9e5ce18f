package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/forgelogs/otelcol-forge/internal/selfmetrics"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
)

// Values of the reason attribute of points_dropped.
const (
	reasonOutsideWindow      = "outside_window"
	reasonUnknownEnvironment = "unknown_environment"
)

// streamTelemetry records one (app, resource) stream's self-metrics.
type streamTelemetry struct {
	*selfmetrics.Stream
	builder *metadata.TelemetryBuilder
}

func newStreamTelemetry(builder *metadata.TelemetryBuilder, appID, resource string) *streamTelemetry {
	attrs := []attribute.KeyValue{attribute.String("app_id", appID), attribute.String("resource", resource)}
	return &streamTelemetry{
		Stream: selfmetrics.New(selfmetrics.Instruments{
			Requests: builder.ForgeusageAPIRequests, RateLimitWait: builder.ForgeusageRateLimitWait,
			Lag: builder.ForgeusageCheckpointLag, Skipped: builder.ForgeusageSkippedSpan,
			Received: builder.ForgeusagePointsReceived, Dropped: builder.ForgeusagePointsDropped,
		}, attrs, attrs),
		builder: builder,
	}
}

// start begins the stream's counters at zero, so that dashboards and alerts see every series from
// the start.
func (t *streamTelemetry) start(ctx context.Context) {
	t.Start(ctx, reasonOutsideWindow, reasonUnknownEnvironment, window.ReasonPermanentPipelineError)
	t.builder.ForgeusagePages.Add(ctx, 0, t.Attributes())
}

func (t *streamTelemetry) page(ctx context.Context) {
	t.builder.ForgeusagePages.Add(ctx, 1, t.Attributes())
}
