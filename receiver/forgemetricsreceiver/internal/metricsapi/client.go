package metricsapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/gateway"
)

// DefaultMaxBodyBytes caps an answer. A 15-minute answer is far smaller; the cap keeps a broken or
// hostile answer from exhausting memory.
const DefaultMaxBodyBytes = 64 << 20

// DocumentedUserAgent is the User-Agent the API's documentation recommends; NewClient uses it when
// given none.
const DocumentedUserAgent = "ForgeMetricsExportServer/1.0.0"

// experimentalAPI is the opt-in header the API requires while it is experimental.
const experimentalAPI = "ForgeMetricsQuery"

// Client queries the App metrics API. It is safe for concurrent use; each caller passes its own
// buffer so answers never share memory.
type Client struct {
	gateway *gateway.Client
}

// NewClient returns a client for the API at endpoint (its /graphql path is added). When email is
// empty, no Basic auth header is added and authentication is left to httpClient (an auth extension
// through confighttp).
func NewClient(httpClient *http.Client, endpoint, email, token, userAgent string, maxBodyBytes int64) (*Client, error) {
	gw, err := gateway.NewFor(gateway.API{UserAgent: DocumentedUserAgent, Experimental: experimentalAPI, MaxBodyBytes: DefaultMaxBodyBytes},
		httpClient, endpoint, email, token, userAgent, maxBodyBytes)
	if err != nil {
		return nil, err
	}
	return &Client{gateway: gw}, nil
}

// Fetch asks for q, reading the body into buf (reset first). On success it returns the answer's
// OTLP/JSON object {"resourceMetrics": [...]}, for Decode; the slice does not alias buf. Any
// status but 200, a QueryError and GraphQL errors without data are returned as a
// *apierror.StatusError; transport errors are returned wrapped, and a 200 that is not a GraphQL
// answer as ErrMalformedAnswer.
func (c *Client) Fetch(ctx context.Context, q Query, buf *bytes.Buffer) ([]byte, error) {
	body, err := q.requestBody()
	if err != nil {
		return nil, fmt.Errorf("build request body: %w", err)
	}
	answer, err := c.gateway.Post(ctx, body, buf)
	if err != nil {
		return nil, err
	}
	data, err := appMetrics(answer.Body)
	if se, ok := apierror.AsStatusError(err); ok {
		_ = answer.Refusal(se) // stamps and masks se in place, inside err
	}
	return data, err
}
