// Package resource writes what all data of the receivers says about where it comes from: the
// resource attributes of an app's environment (SPEC 6) and the instrumentation scope.
package resource // import "github.com/forgelogs/otelcol-forge/internal/resource"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
)

// Environment is an app's environment, the resource of its data.
type Environment struct {
	// ServiceName becomes service.name; empty uses the bare app id.
	ServiceName string
	// AppID is a bare UUID or an ARI; forge.app.id is always the bare UUID.
	AppID         string
	EnvironmentID string
	// EnvironmentName becomes deployment.environment.name; empty leaves the attribute out.
	EnvironmentName string
}

// Put writes the environment's resource attributes into attrs.
func (e Environment) Put(attrs pcommon.Map) {
	appID := apiconfig.BareAppID(e.AppID)
	service := e.ServiceName
	if service == "" {
		service = appID
	}
	attrs.PutStr("service.name", service)
	attrs.PutStr("forge.app.id", appID)
	attrs.PutStr("forge.environment.id", e.EnvironmentID)
	if e.EnvironmentName != "" {
		attrs.PutStr("deployment.environment.name", e.EnvironmentName)
	}
}

// Scope names the instrumentation scope of all data of a receiver: its metadata.ScopeName and the
// collector's version.
type Scope struct {
	Name    string
	Version string
}

// Put names scope.
func (s Scope) Put(scope pcommon.InstrumentationScope) {
	scope.SetName(s.Name)
	scope.SetVersion(s.Version)
}
