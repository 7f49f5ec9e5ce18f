package resource

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestEnvironmentPutsTheResourceOfSPEC6(t *testing.T) {
	const app = "5fc8e0a2-7a7a-4b1e-9a43-0c5a0f7e6f11"
	for _, tc := range []struct {
		name string
		env  Environment
		want map[string]any
	}{
		{"named service and environment",
			Environment{ServiceName: "my-app", AppID: app, EnvironmentID: "env-1", EnvironmentName: "production"},
			map[string]any{"service.name": "my-app", "forge.app.id": app, "forge.environment.id": "env-1", "deployment.environment.name": "production"}},
		{"app id as ARI, no service name, no environment name",
			Environment{AppID: "ari:cloud:ecosystem::app/" + app, EnvironmentID: "env-2"},
			map[string]any{"service.name": app, "forge.app.id": app, "forge.environment.id": "env-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attrs := pcommon.NewMap()
			tc.env.Put(attrs)
			assert.Equal(t, tc.want, attrs.AsRaw())
		})
	}
}

func TestScopePutsNameAndVersion(t *testing.T) {
	scope := pcommon.NewInstrumentationScope()
	Scope{Name: "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", Version: "1.2.3"}.Put(scope)
	assert.Equal(t, "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", scope.Name())
	assert.Equal(t, "1.2.3", scope.Version())
}
