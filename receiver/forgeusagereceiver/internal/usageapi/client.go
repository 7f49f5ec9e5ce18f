package usageapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/gateway"
)

// DefaultMaxBodyBytes caps an answer. A page of 100 entries is a few kilobytes; the cap keeps a
// broken or hostile answer from exhausting memory.
const DefaultMaxBodyBytes = 8 << 20

// DocumentedUserAgent is the User-Agent the API's documentation recommends; NewClient uses it when
// given none.
const DocumentedUserAgent = "ForgeMetricsExportServer/1.0.0"

// ExperimentalAPI is the value of the X-ExperimentalAPI header the API requires while it is
// experimental. The documentation names the header without showing its value; the developer
// console's query is the App resource usage query, so the header names it.
const ExperimentalAPI = "DevConsoleAppResourceUsage"

// Client queries the App resource usage API. It is safe for concurrent use; each caller passes its
// own buffer so answers never share memory.
type Client struct {
	gateway *gateway.Client
}

// NewClient returns a client for the API at endpoint (its /graphql path is added). When email is
// empty, authentication is left to httpClient (an auth extension through confighttp).
func NewClient(httpClient *http.Client, endpoint, email, token, userAgent string, maxBodyBytes int64) (*Client, error) {
	gw, err := gateway.NewFor(gateway.API{UserAgent: DocumentedUserAgent, Experimental: ExperimentalAPI, MaxBodyBytes: DefaultMaxBodyBytes},
		httpClient, endpoint, email, token, userAgent, maxBodyBytes)
	if err != nil {
		return nil, err
	}
	return &Client{gateway: gw}, nil
}

// Fetch asks for one page of q, reading the body into buf (reset first). Any status but 200, a
// QueryError and GraphQL errors without data are returned as a *apierror.StatusError; transport
// errors as they are, and an answer that cannot be read as ErrMalformedAnswer.
func (c *Client) Fetch(ctx context.Context, q Query, buf *bytes.Buffer) (Page, error) {
	body, err := q.RequestBody()
	if err != nil {
		return Page{}, fmt.Errorf("build request body: %w", err)
	}
	answer, err := c.gateway.Post(ctx, body, buf)
	if err != nil {
		return Page{}, err
	}
	page, err := ParsePage(answer.Body)
	if se, ok := apierror.AsStatusError(err); ok {
		return Page{}, answer.Refusal(se)
	}
	return page, err
}
