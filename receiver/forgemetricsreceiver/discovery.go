package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"
	"net/http"
	"time"

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
		discovered := newDiscoveredEnvironments(appID, plan, r.rt.Store, r.rt.Status)
		run := r.newStream(app, plan, scope, client, account, discovered)
		d.Watch(appID, app.EnvironmentTypes, discovery.NewTelemetry(discoveryInstruments(r.telemetry), appID),
			func(envs []discovery.Environment) map[string]func(context.Context) {
				discovered.set(envs, r.rt.Clock.Now())
				return map[string]func(context.Context){appKey(appID): run}
			})
	}
	return nil
}

// lagOnly is a window.Observer that records the lag and leaves skipped spans to the environments.
type lagOnly struct{ *appTelemetry }

func (lagOnly) Skipped(context.Context, time.Duration) {}

// discoveryInstruments are the receiver's discovery metrics.
func discoveryInstruments(tb *metadata.TelemetryBuilder) discovery.Instruments {
	return discovery.Instruments{
		Requests: tb.ForgemetricsDiscoveryRequests, Environments: tb.ForgemetricsDiscoveredEnvironments, Changes: tb.ForgemetricsEnvironmentChanges,
	}
}
