package metricsapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/wire"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
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
	http         *http.Client
	url          string
	email        string
	token        string
	userAgent    string
	maxBodyBytes int64
	now          func() time.Time
}

// NewClient returns a client for the API at endpoint (its /graphql path is added). When email is
// empty, no Basic auth header is added and authentication is left to httpClient (an auth extension
// through confighttp).
func NewClient(httpClient *http.Client, endpoint, email, token, userAgent string, maxBodyBytes int64) (*Client, error) {
	base, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint: %w", err)
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + "/graphql"
	base.RawPath = ""
	if maxBodyBytes <= 0 {
		maxBodyBytes = DefaultMaxBodyBytes
	}
	if userAgent == "" {
		userAgent = DocumentedUserAgent
	}
	return &Client{
		http: httpClient, url: base.String(), email: email, token: token, userAgent: userAgent,
		maxBodyBytes: maxBodyBytes, now: time.Now,
	}, nil
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	// Every request that reaches the API must go through the receiver's budget.
	wire.NoReplay(req)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-ExperimentalApi", experimentalAPI)
	req.Header.Set("User-Agent", c.userAgent)
	if c.email != "" {
		req.SetBasicAuth(c.email, c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the URL, which holds no secret: credentials travel in a header.
		return nil, err
	}
	defer resp.Body.Close()

	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err == nil && n > c.maxBodyBytes {
		err = fmt.Errorf("%w of %d bytes", apierror.ErrBodyTooLarge, c.maxBodyBytes)
	}
	retryAfter := apierror.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	secrets := apierror.Secrets(resp.Request, c.token)
	switch {
	case resp.StatusCode != http.StatusOK:
		// The status is what counts, even when its body could not be read.
		return nil, &apierror.StatusError{StatusCode: resp.StatusCode, Reason: apierror.Mask(apierror.ReasonOf(buf.Bytes()), secrets), RetryAfter: retryAfter}
	case err != nil:
		return nil, &apierror.BadBodyError{Err: fmt.Errorf("read response body: %w", err)}
	}
	data, err := appMetrics(buf.Bytes())
	if se, ok := apierror.AsStatusError(err); ok {
		se.RetryAfter, se.Reason = retryAfter, apierror.Mask(se.Reason, secrets)
	}
	return data, err
}
