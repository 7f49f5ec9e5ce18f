package apiconfig // import "github.com/forgelogs/otelcol-forge/internal/apiconfig"

import (
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"

	"github.com/forgelogs/otelcol-forge/internal/pages"
)

// DefaultTimeout bounds one request of either API.
const DefaultTimeout = 30 * time.Second

// DefaultClientConfig is both receivers' default HTTP client: the default endpoint and timeout,
// and as many idle connections kept per host as a receiver has requests in flight. Every app is
// polled at the same host, and Go's default of 2 idle connections per host would close nearly every
// connection of a busy receiver after its answer, so each request would pay a new TCP and TLS
// handshake (over HTTP/2 the requests share one connection and this does not matter).
func DefaultClientConfig() confighttp.ClientConfig {
	client := confighttp.NewDefaultClientConfig()
	client.Endpoint = DefaultEndpoint
	client.Timeout = DefaultTimeout
	keepalive := confighttp.NewDefaultKeepaliveClientConfig()
	keepalive.MaxIdleConnsPerHost = pages.DefaultRequests
	client.Keepalive = configoptional.Some(keepalive)
	return client
}
