package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"net/http"

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
		d.Watch(app.id(), app.EnvironmentTypes, discovery.NewTelemetry(discoveryInstruments(r.telemetry), app.id()),
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

// discoveryInstruments are the receiver's discovery metrics.
func discoveryInstruments(tb *metadata.TelemetryBuilder) discovery.Instruments {
	return discovery.Instruments{
		Requests: tb.ForgelogsDiscoveryRequests, Environments: tb.ForgelogsDiscoveredEnvironments, Changes: tb.ForgelogsEnvironmentChanges,
	}
}
