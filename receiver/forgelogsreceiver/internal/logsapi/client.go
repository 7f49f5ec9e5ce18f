package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/wire"
)

// DefaultMaxBodyBytes caps a page. Real pages are far smaller; the cap keeps a broken or hostile
// answer from exhausting memory.
const DefaultMaxBodyBytes = 64 << 20

// Client fetches pages of the App logs API. It is safe for concurrent use.
type Client struct {
	http         *http.Client
	base         *url.URL
	email        string
	token        string
	userAgent    string
	maxBodyBytes int64
	now          func() time.Time
}

// NewClient returns a client for the API at endpoint. When email is empty, no Basic auth header is
// added and authentication is left to httpClient (an auth extension through confighttp). A
// non-empty userAgent names the client to the API.
func NewClient(httpClient *http.Client, endpoint, email, token, userAgent string, maxBodyBytes int64) (*Client, error) {
	base, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint: %w", err)
	}
	if maxBodyBytes <= 0 {
		maxBodyBytes = DefaultMaxBodyBytes
	}
	return &Client{
		http: httpClient, base: base, email: email, token: token, userAgent: userAgent,
		maxBodyBytes: maxBodyBytes, now: time.Now,
	}, nil
}

// Fetch asks for one page of q. Once the answer's status is known, a 200's body is read into a
// page slot taken from pool, which the caller releases after the page was delivered; any other
// status is returned as an *apierror.StatusError without taking a slot. Transport errors are
// returned wrapped.
func (c *Client) Fetch(ctx context.Context, q Query, cursor string, pool *pages.Pool) (*pages.Slot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.URL(c.base, cursor), http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.email != "" {
		req.SetBasicAuth(c.email, c.token)
	}
	wire.NoReplay(req)
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the URL, which holds no secret: credentials travel in a header.
		return nil, err
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		reason, _ := io.ReadAll(io.LimitReader(resp.Body, apierror.MaxReasonBytes))
		return nil, &apierror.StatusError{
			StatusCode: resp.StatusCode,
			Reason:     apierror.Mask(apierror.ReasonOf(reason), apierror.Secrets(resp.Request, c.token)),
			RetryAfter: apierror.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
		}
	}
	slot, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	n, err := slot.Buf.ReadFrom(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err == nil && n > c.maxBodyBytes {
		err = fmt.Errorf("%w of %d bytes", apierror.ErrBodyTooLarge, c.maxBodyBytes)
	}
	if err != nil {
		slot.Release()
		// The API answered 200: a body cut short or too large is an unusable answer, counted as
		// the 200 it was.
		return nil, &apierror.BadBodyError{Err: fmt.Errorf("read response body: %w", err)}
	}
	return slot, nil
}
