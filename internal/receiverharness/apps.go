package receiverharness

import "github.com/forgelogs/otelcol-forge/internal/appconfig"

// Apps is the apps block of the receivers' test configurations: app-1 written as its ARI, with a
// service name and two environments, one named; app-2 by its bare id, with one named environment.
// The simulator of a test serves these environments (and may serve more).
func Apps() []appconfig.App {
	return []appconfig.App{
		{AppID: "ari:cloud:ecosystem::app/app-1", ServiceName: "first-app", Environments: []appconfig.Environment{{ID: "env-1", Name: "production"}, {ID: "env-2"}}},
		{AppID: "app-2", Environments: []appconfig.Environment{{ID: "env-3", Name: "staging"}}},
	}
}

// AppResources are the resource attributes of Apps' environments, as SPEC 3 and 9 write them:
// deployment.environment.name only where a name is configured.
func AppResources() map[string]map[string]any {
	return map[string]map[string]any{
		"env-1": {"service.name": "first-app", "forge.app.id": "app-1", "forge.environment.id": "env-1", "deployment.environment.name": "production"},
		"env-2": {"service.name": "first-app", "forge.app.id": "app-1", "forge.environment.id": "env-2"},
		"env-3": {"service.name": "app-2", "forge.app.id": "app-2", "forge.environment.id": "env-3", "deployment.environment.name": "staging"},
	}
}
