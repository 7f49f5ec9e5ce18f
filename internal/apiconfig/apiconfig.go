// Package apiconfig validates what both receivers configure the same way: the API endpoint, the
// Atlassian account's credentials and the apps' ids.
package apiconfig // import "github.com/forgelogs/otelcol-forge/internal/apiconfig"

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
)

// DefaultEndpoint serves both the App logs and the App metrics API.
const DefaultEndpoint = "https://api.atlassian.com"

// Product names the distribution to the API in the User-Agent header, "otelcol-forge/0.1.0", or
// "" when the collector has no build information.
func Product(build component.BuildInfo) string {
	if build.Command == "" {
		return ""
	}
	return build.Command + "/" + build.Version
}

// AppARIPrefix starts the ARI of every Forge app; the app's UUID follows it.
const AppARIPrefix = "ari:cloud:ecosystem::app/"

// BareAppID returns the app's UUID, whether id (an app_id as configured) is a bare UUID or an
// ARI: the id of the app's resources, checkpoints and budget either way.
func BareAppID(id string) string {
	return strings.TrimPrefix(id, AppARIPrefix)
}

var (
	ErrNoCredentials     = errors.New(`either "email" and "api_token", or "auth", must be set`)
	ErrBothCredentials   = errors.New(`"email"/"api_token" and "auth" are alternatives; set only one`)
	ErrEmailWithoutToken = errors.New(`"api_token" must be set when "email" is set`)
	ErrTokenWithoutEmail = errors.New(`"email" must be set when "api_token" is set`)
	ErrEndpointScheme    = errors.New(`"endpoint" must use https:// (http:// is accepted only for a loopback host)`)
	ErrEndpointInvalid   = errors.New(`"endpoint" is not a valid URL`)
)

// ValidateEndpoint refuses an endpoint that is not an http(s) URL, or that would send the token
// in clear text to a host other than this machine.
func ValidateEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%w: %q", ErrEndpointInvalid, endpoint)
	}
	if u.Scheme == "http" && !IsLoopback(endpoint) {
		return fmt.Errorf("%w, got %q", ErrEndpointScheme, endpoint)
	}
	return nil
}

// ValidateCredentials requires Basic auth (both email and token) or an authenticator, not both.
func ValidateCredentials(email string, token configopaque.String, hasAuth bool) error {
	basic := email != "" || token != ""
	switch {
	case basic && hasAuth:
		return ErrBothCredentials
	case email != "" && token == "":
		return ErrEmailWithoutToken
	case email == "" && token != "":
		return ErrTokenWithoutEmail
	case !basic && !hasAuth:
		return ErrNoCredentials
	}
	return nil
}

// IsLoopback reports whether the endpoint's host is localhost or a loopback address: only there
// may tests and benchmarks use plain http and budgets above the API's limits.
func IsLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	// Host names are case-insensitive, and a trailing dot makes one fully qualified.
	host := strings.TrimSuffix(u.Hostname(), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
