package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/forgelogs/otelcol-forge/internal/selfmetrics"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
)

// Values of the reason attribute of points_dropped.
const (
	reasonOutsideWindow      = "outside_window"
	reasonUnknownEnvironment = "unknown_environment"
)

// appTelemetry records one app's self-metrics.
type appTelemetry struct{ *selfmetrics.Stream }

func newAppTelemetry(builder *metadata.TelemetryBuilder, appID string) *appTelemetry {
	attrs := []attribute.KeyValue{attribute.String("app_id", appID)}
	return &appTelemetry{selfmetrics.New(selfmetrics.Instruments{
		Requests: builder.ForgemetricsAPIRequests, RateLimitWait: builder.ForgemetricsRateLimitWait,
		Lag: builder.ForgemetricsCheckpointLag, Skipped: builder.ForgemetricsSkippedSpan,
		Received: builder.ForgemetricsPointsReceived, Dropped: builder.ForgemetricsPointsDropped,
	}, attrs, attrs)}
}

// start begins the app's counters at zero, so that dashboards and alerts see every series from
// the start.
func (t *appTelemetry) start(ctx context.Context) {
	t.Start(ctx, reasonOutsideWindow, reasonUnknownEnvironment, window.ReasonPermanentPipelineError)
}
