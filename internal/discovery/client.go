package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/wire"
)

// maxBodyBytes caps one answer: a page of 50 environments is a few kilobytes.
const maxBodyBytes = 4 << 20

// ErrMalformedAnswer is returned for a 200 that is not a GraphQL answer of the expected shape;
// like a truncated body, it is worth retrying.
var ErrMalformedAnswer = errors.New("malformed environment list answer")

// Page is one page of an app's environments.
type Page struct {
	Environments []Environment
	// Next is the cursor of the following page, "" on the last one.
	Next string
	// MoreWithoutCursor is set when the answer said more pages follow but gave no cursor to them,
	// which the API does not document: the listing ends with what it has.
	MoreWithoutCursor bool
	TotalCount        int
}

// Client lists environments through the Atlassian GraphQL gateway. It is safe for concurrent use.
type Client struct {
	http      *http.Client
	url       string
	email     string
	token     string
	userAgent string
	now       func() time.Time
}

// NewClient returns a client for the gateway at endpoint (its /graphql path is added). When email
// is empty, no Basic auth header is added and authentication is left to httpClient (an auth
// extension through confighttp).
func NewClient(httpClient *http.Client, endpoint, email, token, userAgent string) (*Client, error) {
	base, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint: %w", err)
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + "/graphql"
	base.RawPath = ""
	return &Client{http: httpClient, url: base.String(), email: email, token: token, userAgent: userAgent, now: time.Now}, nil
}

// Page asks for the page after cursor ("" for the first) of appID's environments. Any status but
// 200, GraphQL errors and an app the account cannot see are returned as a *apierror.StatusError
// (with no secret in its reason); a 200 that is no such answer as a *apierror.BadBodyError.
func (c *Client) Page(ctx context.Context, appID, cursor string) (Page, error) {
	body, err := requestBody(appID, cursor)
	if err != nil {
		return Page{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Page{}, fmt.Errorf("build request: %w", err)
	}
	// Every request that reaches the API must go through the caller's budget and count.
	wire.NoReplay(req)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.email != "" {
		req.SetBasicAuth(c.email, c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Page{}, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err == nil && n > maxBodyBytes {
		err = fmt.Errorf("%w of %d bytes", apierror.ErrBodyTooLarge, maxBodyBytes)
	}
	secrets := apierror.Secrets(resp.Request, c.token)
	switch {
	case resp.StatusCode != http.StatusOK:
		return Page{}, &apierror.StatusError{StatusCode: resp.StatusCode,
			Reason:     apierror.Mask(apierror.ReasonOf(buf.Bytes()), secrets),
			RetryAfter: apierror.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
	case err != nil:
		return Page{}, &apierror.BadBodyError{Err: fmt.Errorf("read response body: %w", err)}
	}
	page, err := decodePage(buf.Bytes())
	if se, ok := apierror.AsStatusError(err); ok {
		se.Reason = apierror.Mask(se.Reason, secrets)
	}
	return page, err
}

// answer is the GraphQL envelope of the query's answer.
type answer struct {
	Data *struct {
		App *struct {
			EnvironmentsPage *struct {
				Nodes []struct {
					ID   string `json:"id"`
					Key  string `json:"key"`
					Type string `json:"type"`
				} `json:"nodes"`
				PageInfo struct {
					HasNextPage bool    `json:"hasNextPage"`
					EndCursor   *string `json:"endCursor"`
				} `json:"pageInfo"`
				TotalCount int `json:"totalCount"`
			} `json:"environmentsPage"`
		} `json:"app"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// decodePage reads a 200 answer. GraphQL errors are a refusal (400-like: they repeat until the
// token, permission or app id changes), and so is an app the gateway answers null for, which is
// how it answers an app the account cannot see.
func decodePage(body []byte) (Page, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return Page{}, &apierror.BadBodyError{Err: fmt.Errorf("%w: %w", ErrMalformedAnswer, err)}
	}
	if len(a.Errors) > 0 {
		messages := make([]string, len(a.Errors))
		for i, e := range a.Errors {
			messages[i] = e.Message
		}
		return Page{}, &apierror.StatusError{StatusCode: http.StatusBadRequest, Reason: apierror.ReasonOf([]byte(strings.Join(messages, "; ")))}
	}
	if a.Data == nil {
		return Page{}, &apierror.BadBodyError{Err: fmt.Errorf("%w: no data and no errors", ErrMalformedAnswer)}
	}
	if a.Data.App == nil {
		return Page{}, &apierror.StatusError{StatusCode: http.StatusNotFound, Reason: "app not found, or the account may not see it"}
	}
	ep := a.Data.App.EnvironmentsPage
	if ep == nil {
		return Page{}, &apierror.BadBodyError{Err: fmt.Errorf("%w: no environmentsPage", ErrMalformedAnswer)}
	}
	page := Page{TotalCount: ep.TotalCount}
	for _, node := range ep.Nodes {
		if node.ID == "" {
			return Page{}, &apierror.BadBodyError{Err: fmt.Errorf("%w: an environment without id", ErrMalformedAnswer)}
		}
		page.Environments = append(page.Environments, Environment{ID: node.ID, Key: node.Key, Type: node.Type})
	}
	if ep.PageInfo.HasNextPage {
		if ep.PageInfo.EndCursor == nil || *ep.PageInfo.EndCursor == "" {
			page.MoreWithoutCursor = true
		} else {
			page.Next = *ep.PageInfo.EndCursor
		}
	}
	return page, nil
}
