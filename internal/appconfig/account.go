package appconfig

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
)

// Account is the block that forgemetrics and forgeusage share, squashed into their Config: how
// to reach an account-wide API (endpoint, TLS, proxy, auth), the account's credentials, the pacing
// of its streams, where checkpoints live, and the apps.
type Account struct {
	confighttp.ClientConfig `mapstructure:",squash"`

	// Email and APIToken are the Basic auth credentials of the Atlassian account that owns the apps.
	Email    string              `mapstructure:"email"`
	APIToken configopaque.String `mapstructure:"api_token"`

	Polling `mapstructure:",squash"`

	// StorageID names the storage extension that keeps checkpoints; without it progress lives in memory.
	StorageID *component.ID `mapstructure:"storage"`

	Apps []App `mapstructure:"apps"`
}

// Problems returns every problem of the block. (Not Validate: the collector would call that on
// the embedded block as well as on the receiver's Config, and report each problem twice.)
func (a *Account) Problems() []error {
	errs := []error{
		apiconfig.ValidateEndpoint(a.Endpoint),
		apiconfig.ValidateCredentials(a.Email, a.APIToken, a.Auth.HasValue()),
	}
	errs = append(errs, a.Polling.Validate(a.Endpoint)...)
	return append(errs, Validate(a.Apps)...)
}
