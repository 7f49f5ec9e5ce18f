package logsapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/pages"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueryURL(t *testing.T) {
	base, err := url.Parse("https://api.atlassian.com/")
	require.NoError(t, err)
	q := Query{
		AppID:                "0a1b/2c3d",
		EnvironmentID:        "7e8f",
		Levels:               []string{"WARN", "ERROR"},
		Message:              "time out & retry",
		InstallationContexts: []string{"ari:cloud:jira::site/1", "ari:cloud:confluence::site/2"},
		Start:                time.Date(2024, 2, 13, 10, 0, 0, 123456789, time.FixedZone("CET", 3600)),
		End:                  time.Date(2024, 2, 13, 10, 59, 59, 999000000, time.FixedZone("CET", 3600)),
	}
	u, err := url.Parse(q.URL(base, "next page/=="))
	require.NoError(t, err)

	assert.Equal(t, "/v1/app/logs/0a1b/2c3d", u.Path)
	assert.Equal(t, "/v1/app/logs/0a1b%2F2c3d", u.EscapedPath(), "the app id is one path segment")
	values := u.Query()
	assert.Equal(t, "7e8f", values.Get("environmentId"))
	assert.Equal(t, "2024-02-13T09:00:00.123Z", values.Get("startDate"), "UTC, milliseconds")
	assert.Equal(t, "2024-02-13T09:59:59.999Z", values.Get("endDate"))
	assert.Equal(t, []string{"WARN", "ERROR"}, values["level"])
	assert.Equal(t, "time out & retry", values.Get("message"))
	assert.Equal(t, []string{"ari:cloud:jira::site/1", "ari:cloud:confluence::site/2"}, values["installationContext"])
	assert.Equal(t, "next page/==", values.Get("cursor"))
}

func TestQueryURLLeavesOutUnsetFilters(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:8089/prefix")
	q := Query{AppID: "a", EnvironmentID: "e", Start: time.Unix(0, 0), End: time.Unix(3600, 0)}
	u, err := url.Parse(q.URL(base, ""))
	require.NoError(t, err)
	assert.Equal(t, "/prefix/v1/app/logs/a", u.Path)
	assert.ElementsMatch(t, []string{"environmentId", "startDate", "endDate"}, keys(u.Query()))
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

func newTestClient(t *testing.T, handler http.HandlerFunc, email string, maxBody int64) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.Client(), srv.URL, email, "tok3n", "otelcol-forge/1.2.3", maxBody)
	require.NoError(t, err)
	return c
}

var someQuery = Query{AppID: "app", EnvironmentID: "env", Start: time.Unix(0, 0), End: time.Unix(60, 0)}

// testPool has room for every test's page; a page left unreleased shows as a later test blocking.
var testPool = pages.NewPool(1, 64)

func TestFetchSendsBasicAuth(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "bot@example.com" || pass != "tok3n" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "otelcol-forge/1.2.3", r.Header.Get("User-Agent"), "the distribution names itself")
		_, _ = w.Write([]byte(`{"appLogs":[]}`))
	}, "bot@example.com", 0)
	slot, err := c.Fetch(context.Background(), someQuery, "", testPool)
	require.NoError(t, err)
	assert.JSONEq(t, `{"appLogs":[]}`, slot.Buf.String())
	slot.Release()
}

func TestFetchWithoutEmailLeavesAuthToTheHTTPClient(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{}`))
	}, "", 0)
	_, err := c.Fetch(context.Background(), someQuery, "", testPool)
	require.NoError(t, err)
}

func TestFetchMapsStatusCodes(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		throttled  bool
		refused    bool
		wantWait   time.Duration
	}{
		{status: 400, refused: true},
		{status: 401, refused: true},
		{status: 403, refused: true},
		{status: 404, refused: true},
		{status: 429, throttled: true, retryAfter: "7", wantWait: 7 * time.Second},
		{status: 429, throttled: true},
		{status: 500},
		{status: 503},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(`{"message":"the reason"}`))
			}, "bot@example.com", 0)
			_, err := c.Fetch(context.Background(), someQuery, "", testPool)
			se, ok := apierror.AsStatusError(err)
			require.True(t, ok, "got %v", err)
			assert.Equal(t, tt.status, se.StatusCode)
			assert.Equal(t, tt.throttled, se.Throttled())
			assert.Equal(t, tt.refused, se.Refused())
			assert.Equal(t, tt.wantWait, se.RetryAfter)
			assert.Contains(t, err.Error(), "the reason")
			assert.NotContains(t, err.Error(), "tok3n")
		})
	}
}

func TestFetchCapsTheBody(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"appLogs":[` + strings.Repeat(" ", 2048) + `]}`))
	}, "bot@example.com", 1024)
	_, err := c.Fetch(context.Background(), someQuery, "", testPool)
	assert.ErrorIs(t, err, apierror.ErrBodyTooLarge)
	assert.Equal(t, http.StatusOK, apierror.StatusCode(err), "the API answered 200")
}

// A 200 whose body is cut short is an unusable answer, counted as the 200 it was.
func TestFetchCountsABodyCutShortAsItsStatus(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte(`{"appLogs":[`))
	}, "bot@example.com", 0)
	_, err := c.Fetch(context.Background(), someQuery, "", testPool)
	var bad *apierror.BadBodyError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, http.StatusOK, apierror.StatusCode(err))
}

func TestFetchReportsTransportErrors(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		_ = conn.Close()
	}, "bot@example.com", 0)
	_, err := c.Fetch(context.Background(), someQuery, "", testPool)
	require.Error(t, err)
	_, isStatus := apierror.AsStatusError(err)
	assert.False(t, isStatus)
	assert.NotContains(t, err.Error(), "tok3n")
}

func TestFetchStopsWhenTheContextEnds(t *testing.T) {
	release := make(chan struct{})
	c := newTestClient(t, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}, "bot@example.com", 0)
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Fetch(ctx, someQuery, "", testPool)
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || isTimeout(err), "got %v", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// An API or proxy that echoes the request's credentials in its refusal must not put them in the
// collector's logs, which show the refusal's body.
func TestFetchMasksCredentialsEchoedInARefusal(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("no such user " + user + " with token " + pass + "; you sent " + r.Header.Get("Authorization")))
	}, "bot@example.com", 1<<20)
	_, err := c.Fetch(context.Background(), someQuery, "", testPool)
	se, ok := apierror.AsStatusError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "no such user bot@example.com with token [masked]; you sent Basic [masked]", se.Reason)
	assert.NotContains(t, err.Error(), "tok3n")
}

// bearerAuth stands for an authenticator extension: it sets the credentials the client never saw.
type bearerAuth struct{ next http.RoundTripper }

func (b bearerAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer s3cr3t-bearer-token")
	return b.next.RoundTrip(r)
}

// With `auth`, the credentials an echoing answer shows are masked all the same.
func TestFetchMasksAnAuthenticatorsCredentialsEchoedInARefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("you sent " + r.Header.Get("Authorization")))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(&http.Client{Transport: bearerAuth{next: srv.Client().Transport}}, srv.URL, "", "", "", 0)
	require.NoError(t, err)
	_, err = c.Fetch(context.Background(), someQuery, "", testPool)
	se, ok := apierror.AsStatusError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "you sent Bearer [masked]", se.Reason)
}
