package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"context"
	"net/http"
	"slices"
	"sync"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// startDiscovery watches the environments of the apps configured without them. Nothing of such an
// app is read before its first listing. Grouped by site, each discovered environment has streams
// of its own, which start and stop with it. Grouped by environment, the app's streams (one per
// resource) cover every environment in one call: they run while the app has environments, and
// name and keep the usage of the environments listed last (see environmentSet).
func (r *usageReceiver) startDiscovery(httpClient *http.Client, apps []AppConfig, client pageFetcher, account *budget.Budget, once *onceLogs) error {
	if len(apps) == 0 {
		return nil
	}
	lister, err := discovery.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken), apiconfig.Product(r.settings.BuildInfo))
	if err != nil {
		return err
	}
	d := discovery.New(r.rt, lister, r.cfg.DiscoveryInterval, r.settings.Logger)
	for _, app := range apps {
		appID := apiconfig.BareAppID(app.AppID)
		polled := &environmentSet{}
		d.Watch(appID, app.EnvironmentTypes, discovery.NewTelemetry(discoveryInstruments(r.telemetry), appID),
			func(envs []discovery.Environment) map[string]func(context.Context) {
				polled.set(discoveredEnvironments(envs))
				runs := map[string]func(context.Context){}
				if len(envs) == 0 {
					// Nothing to name the usage by: reading would drop every point and move past it.
					return runs
				}
				listed := app
				listed.Environments = discoveredEnvironments(envs)
				for _, spec := range r.streams(listed) {
					if r.cfg.GroupBy != usageapi.GroupBySite {
						spec.polled = polled
					}
					runs[spec.key] = r.newStream(spec, client, account, once)
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

// environmentSet is the environments an app grouped by environment is read in, as its last
// listing found them. Its streams run across listings, never restarted: each page is named and
// filtered by the set of the moment, so that a new environment's usage is kept from the next page
// on and no window is read twice. Usage of an environment in pages read before it was listed is
// dropped and counted as unknown_environment.
type environmentSet struct {
	mu   sync.Mutex
	envs []usageapi.Environment
}

func (s *environmentSet) set(envs []EnvironmentConfig) {
	out := make([]usageapi.Environment, len(envs))
	for i, env := range envs {
		out[i] = usageapi.Environment{ID: env.ID, Name: env.Name}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envs = out
}

func (s *environmentSet) get() []usageapi.Environment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.envs)
}

// discoveryInstruments are the receiver's discovery metrics.
func discoveryInstruments(tb *metadata.TelemetryBuilder) discovery.Instruments {
	return discovery.Instruments{
		Requests: tb.ForgeusageDiscoveryRequests, Environments: tb.ForgeusageDiscoveredEnvironments, Changes: tb.ForgeusageEnvironmentChanges,
	}
}
