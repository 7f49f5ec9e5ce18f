package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// startDiscovery watches the environments of every app configured without them, and runs one
// stream per discovered environment (and site shard) while it is listed.
func (r *forgeReceiver) startDiscovery(httpClient *http.Client) error {
	var apps []AppConfig
	for _, app := range r.cfg.Apps {
		if app.discovers() {
			apps = append(apps, app)
		}
	}
	if len(apps) == 0 {
		return nil
	}
	client, err := discovery.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken), apiconfig.Product(r.settings.BuildInfo))
	if err != nil {
		return err
	}
	d := discovery.New(r.rt, client, r.cfg.DiscoveryInterval, r.settings.Logger)
	for _, app := range apps {
		d.Watch(app.id(), app.EnvironmentTypes, newDiscoveryTelemetry(r.telemetry, app.id()),
			func(envs []discovery.Environment) map[string]func(context.Context) {
				runs := map[string]func(context.Context){}
				specs := appStreamSpecs(app, discoveredEnvironments(envs))
				// Paced for the streams the app has now; streams already running keep the pace
				// they started with, and the app's budget holds whatever the mix.
				plan := r.cfg.appPlans(specs)[app.id()]
				for _, spec := range specs {
					runs[spec.key] = r.newStream(spec, plan).run
				}
				return runs
			})
	}
	return nil
}

// discoveredEnvironments names each environment by its key: deployment.environment.name.
func discoveredEnvironments(envs []discovery.Environment) []EnvironmentConfig {
	out := make([]EnvironmentConfig, len(envs))
	for i, env := range envs {
		out[i] = EnvironmentConfig{ID: env.ID, Name: env.Key}
	}
	return out
}

// discoveryTelemetry records one app's discovery: its calls, apart from the logs API's requests,
// and the environments found.
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
	t.builder.ForgelogsDiscoveryRequests.Add(ctx, int64(n), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.Int("status_code", status)))
}

// RateLimitWait implements retry.Observer: discovery's own budget is not the app's, whose wait
// forgelogs_rate_limit_wait measures.
func (*discoveryTelemetry) RateLimitWait(context.Context, time.Duration) {}

// Environments implements discovery.Observer.
func (t *discoveryTelemetry) Environments(ctx context.Context, n int) {
	t.builder.ForgelogsDiscoveredEnvironments.Record(ctx, int64(n), t.attrs)
}

// Changed implements discovery.Observer.
func (t *discoveryTelemetry) Changed(ctx context.Context, appeared, vanished int) {
	t.builder.ForgelogsEnvironmentChanges.Add(ctx, int64(appeared), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("change", "appeared")))
	t.builder.ForgelogsEnvironmentChanges.Add(ctx, int64(vanished), metric.WithAttributes(
		attribute.String("app_id", t.appID), attribute.String("change", "vanished")))
}
