package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"
)

// startDiscovery watches the environments of the apps configured without them. Each such app is
// one stream, started once its environments are first known, that asks for the environments
// listed last (see discoveredEnvironments).
func (r *metricsReceiver) startDiscovery(httpClient *http.Client, apps []AppConfig, plan window.Plan, scope metricsapi.Scope, client answerFetcher, account *budget.Budget) error {
	if len(apps) == 0 {
		return nil
	}
	lister, err := discovery.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken), userAgent(r.settings.BuildInfo))
	if err != nil {
		return err
	}
	d := discovery.New(r.rt, lister, r.cfg.DiscoveryInterval, r.settings.Logger)
	for _, app := range apps {
		appID := apiconfig.BareAppID(app.AppID)
		s := r.newStream(app, plan, scope, client, account)
		s.discovered = newDiscoveredEnvironments(appID, plan, r.rt.Store, r.rt.Status)
		// The app's window walk does not count skipped spans: its environments do, each its own.
		s.walk.Observer = lagOnly{s.tel}
		s.walk.QueryHash = discoveredQueryHash
		d.Watch(appID, app.EnvironmentTypes, newDiscoveryTelemetry(r.telemetry, appID),
			func(envs []discovery.Environment) map[string]func(context.Context) {
				s.discovered.set(envs, r.rt.Clock.Now())
				return map[string]func(context.Context){s.walk.Key: s.run}
			})
	}
	return nil
}

// lagOnly is a window.Observer that records the lag and leaves skipped spans to the environments.
type lagOnly struct{ *appTelemetry }

func (lagOnly) Skipped(context.Context, time.Duration) {}

// discoveryTelemetry records one app's discovery: its calls, apart from the metrics API's
// requests, and the environments found.
type discoveryTelemetry struct {
	builder *metadata.TelemetryBuilder
	appID   string
	attrs   metric.MeasurementOption
}

func newDiscoveryTelemetry(builder *metadata.TelemetryBuilder, appID string) *discoveryTelemetry {
	return &discoveryTelemetry{builder: builder, appID: appID, attrs: metric.WithAttributes(attribute.String("app_id", appID))}
}

// Requests implements retry.Observer.
func (t *discoveryTelemetry) Requests(ctx context.Context, status, n int) {
	t.builder.ForgemetricsDiscoveryRequests.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.Int("status_code", status)))
}

// RateLimitWait implements retry.Observer: discovery's own budget is not the account's, whose
// wait forgemetrics_rate_limit_wait measures.
func (*discoveryTelemetry) RateLimitWait(context.Context, time.Duration) {}

// Environments implements discovery.Observer.
func (t *discoveryTelemetry) Environments(ctx context.Context, n int) {
	t.builder.ForgemetricsDiscoveredEnvironments.Record(ctx, int64(n), t.attrs)
}

// Changed implements discovery.Observer.
func (t *discoveryTelemetry) Changed(ctx context.Context, appeared, vanished int) {
	t.builder.ForgemetricsEnvironmentChanges.Add(ctx, int64(appeared), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("change", "appeared")))
	t.builder.ForgemetricsEnvironmentChanges.Add(ctx, int64(vanished), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("change", "vanished")))
}
