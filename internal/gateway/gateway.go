// Package gateway posts GraphQL requests to the Atlassian GraphQL gateway (POST {endpoint}/graphql)
// the way every receiver must: Basic auth or the configured authenticator, the opt-in header of an
// experimental API, the User-Agent, no silent re-send, a capped body, and any status but 200 as a
// *apierror.StatusError whose reason never holds the token. What a 200 means is the caller's.
package gateway // import "github.com/forgelogs/otelcol-forge/internal/gateway"

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/wire"
)

// Client posts to one gateway. It is safe for concurrent use; each caller passes its own buffer.
type Client struct {
	http  *http.Client
	url   string
	email string
	token string
	// Headers are added to every request: the User-Agent and an API's opt-in header.
	headers      http.Header
	maxBodyBytes int64
	now          func() time.Time
}

// New returns a client for the gateway at endpoint (its /graphql path is added). When email is
// empty, no Basic auth header is added and authentication is left to httpClient (an auth extension
// through confighttp).
func New(httpClient *http.Client, endpoint, email, token string, headers http.Header, maxBodyBytes int64) (*Client, error) {
	base, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint: %w", err)
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + "/graphql"
	base.RawPath = ""
	canonical := http.Header{}
	for name, values := range headers {
		for _, v := range values {
			canonical.Add(name, v)
		}
	}
	return &Client{
		http: httpClient, url: base.String(), email: email, token: token, headers: canonical,
		maxBodyBytes: maxBodyBytes, now: time.Now,
	}, nil
}

// API is what an API served through the gateway adds to every request, and its defaults.
type API struct {
	// UserAgent is the User-Agent the API's documentation recommends, for a caller that gives none.
	UserAgent string
	// Experimental is the value of the X-ExperimentalAPI opt-in header while the API is experimental.
	Experimental string
	// MaxBodyBytes caps an answer, for a caller that gives no cap.
	MaxBodyBytes int64
}

// NewFor returns a client of api at endpoint; userAgent and maxBodyBytes replace api's defaults
// when set.
func NewFor(api API, httpClient *http.Client, endpoint, email, token, userAgent string, maxBodyBytes int64) (*Client, error) {
	if maxBodyBytes <= 0 {
		maxBodyBytes = api.MaxBodyBytes
	}
	if userAgent == "" {
		userAgent = api.UserAgent
	}
	return New(httpClient, endpoint, email, token, http.Header{"User-Agent": {userAgent}, "X-ExperimentalAPI": {api.Experimental}}, maxBodyBytes)
}

// Answer is a 200 answer's body, and what the caller needs to turn an in-band refusal into an
// error like the transport's own.
type Answer struct {
	Body       []byte
	RetryAfter time.Duration
	secrets    []string
}

// Refusal completes se, built from the answer's QueryError or GraphQL errors: the Retry-After the
// answer came with, and a reason without the token.
func (a Answer) Refusal(se *apierror.StatusError) *apierror.StatusError {
	se.RetryAfter, se.Reason = a.RetryAfter, apierror.Mask(se.Reason, a.secrets)
	return se
}

// Post sends body, reading the answer into buf (reset first); Answer.Body aliases buf. A status
// other than 200 is a *apierror.StatusError, even when its body could not be read; an unreadable
// or oversized 200 body is a *apierror.BadBodyError; transport errors are returned as they are.
func (c *Client) Post(ctx context.Context, body []byte, buf *bytes.Buffer) (Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Answer{}, fmt.Errorf("build request: %w", err)
	}
	// Every request that reaches the API must go through the receiver's budget.
	wire.NoReplay(req)
	for name, values := range c.headers {
		req.Header[name] = values
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.email != "" {
		req.SetBasicAuth(c.email, c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the URL, which holds no secret: credentials travel in a header.
		return Answer{}, err
	}
	defer resp.Body.Close()

	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err == nil && n > c.maxBodyBytes {
		err = fmt.Errorf("%w of %d bytes", apierror.ErrBodyTooLarge, c.maxBodyBytes)
	}
	answer := Answer{
		RetryAfter: apierror.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
		secrets:    apierror.Secrets(resp.Request, c.token),
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return Answer{}, answer.Refusal(&apierror.StatusError{StatusCode: resp.StatusCode, Reason: apierror.ReasonOf(buf.Bytes())})
	case err != nil:
		return Answer{}, &apierror.BadBodyError{Err: fmt.Errorf("read response body: %w", err)}
	}
	answer.Body = buf.Bytes()
	return answer, nil
}

// MaxBodyBytes is the cap on an answer's body.
func (c *Client) MaxBodyBytes() int64 { return c.maxBodyBytes }
