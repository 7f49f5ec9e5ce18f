package discovery

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Instruments are the discovery metrics a receiver declares in its metadata.yaml, under its own
// prefix: listing calls by app and status code, environments polled per app, and changes.
type Instruments struct {
	Requests     metric.Int64Counter
	Environments metric.Int64Gauge
	Changes      metric.Int64Counter
}

// appTelemetry records one app's discovery on a receiver's instruments.
type appTelemetry struct {
	in    Instruments
	appID string
	attrs metric.MeasurementOption
}

// NewTelemetry returns the Telemetry of one app's discovery.
func NewTelemetry(in Instruments, appID string) Telemetry {
	return &appTelemetry{in: in, appID: appID, attrs: metric.WithAttributes(attribute.String("app_id", appID))}
}

// Requests implements retry.Observer.
func (t *appTelemetry) Requests(ctx context.Context, status, n int) {
	t.in.Requests.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.Int("status_code", status)))
}

// RateLimitWait implements retry.Observer: discovery's own budget is not the API's, whose wait
// the receiver's rate_limit_wait measures.
func (*appTelemetry) RateLimitWait(context.Context, time.Duration) {}

// Environments implements Observer.
func (t *appTelemetry) Environments(ctx context.Context, n int) {
	t.in.Environments.Record(ctx, int64(n), t.attrs)
}

// Changed implements Observer.
func (t *appTelemetry) Changed(ctx context.Context, appeared, vanished int) {
	t.in.Changes.Add(ctx, int64(appeared), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("change", "appeared")))
	t.in.Changes.Add(ctx, int64(vanished), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("change", "vanished")))
}
