package metricsapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// documentedQuery is the query as the API's documentation selects it, written out here on its own
// so a change to GraphQLQuery is a deliberate one.
const documentedQuery = `query Ecosystem($appId: ID!, $query: ForgeMetricsOtlpQueryInput!) {
  ecosystem {
    forgeMetrics(appId: $appId) {
      appMetrics(query: $query) {
        ... on ForgeMetricsOtlpData {
          resourceMetrics
        }
        ... on QueryError {
          message
          identifier
          extensions {
            statusCode
            errorType
          }
        }
      }
    }
  }
}`

var someQuery = Query{
	AppID:          testAppID,
	EnvironmentIDs: []string{"env-prod", "env-staging"},
	Metrics:        []string{"FORGE_BACKEND_INVOCATION_COUNT", "CONTAINER_CPU_USAGE_PERCENTAGE"},
	// 11:00:00.123456789 in UTC+1: the API wants UTC and milliseconds.
	Start: time.Date(2024, 2, 13, 11, 0, 0, 123456789, time.FixedZone("CET", 3600)),
	End:   time.Date(2024, 2, 13, 10, 15, 0, 0, time.UTC),
}

func TestAppARI(t *testing.T) {
	tests := []struct{ in, ari string }{
		{testAppID, "ari:cloud:ecosystem::app/" + testAppID},
		{"ari:cloud:ecosystem::app/" + testAppID, "ari:cloud:ecosystem::app/" + testAppID},
		{"sim-app", "ari:cloud:ecosystem::app/sim-app"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.ari, AppARI(tt.in), tt.in)
	}
}

func TestFormatDate(t *testing.T) {
	assert.Equal(t, "2024-02-13T10:00:00.123Z", FormatDate(time.Date(2024, 2, 13, 11, 0, 0, 123999999, time.FixedZone("CET", 3600))))
	assert.Equal(t, "2024-02-13T10:15:00.000Z", FormatDate(time.Date(2024, 2, 13, 10, 15, 0, 0, time.UTC)))
}

func TestRequestBody(t *testing.T) {
	body, err := someQuery.requestBody()
	require.NoError(t, err)
	want := `{
		"query": ` + quote(documentedQuery) + `,
		"variables": {
			"appId": "ari:cloud:ecosystem::app/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d",
			"query": {"filters": {
				"environments": ["env-prod", "env-staging"],
				"interval": {"start": "2024-02-13T10:00:00.123Z", "end": "2024-02-13T10:15:00.000Z"},
				"metrics": ["FORGE_BACKEND_INVOCATION_COUNT", "CONTAINER_CPU_USAGE_PERCENTAGE"]
			}}
		}
	}`
	assert.JSONEq(t, want, string(body))
}

func TestRequestBodyNeverSendsNullLists(t *testing.T) {
	body, err := Query{AppID: "ari:cloud:ecosystem::app/x"}.requestBody()
	require.NoError(t, err)
	assert.Contains(t, string(body), `"environments":[]`)
	assert.Contains(t, string(body), `"metrics":[]`)
	assert.Contains(t, string(body), `"appId":"ari:cloud:ecosystem::app/x"`)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// envelope wraps appMetrics in the GraphQL answer around it.
func envelope(appMetrics string) string {
	return `{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":` + appMetrics + `}}}}`
}

func newTestClient(t *testing.T, handler http.HandlerFunc, email string, maxBody int64) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.Client(), srv.URL+"/gateway/", email, "tok3n", "ForgeMetricsExportServer/1.0.0 otelcol-forge/0.1.0", maxBody)
	require.NoError(t, err)
	return c
}

func TestFetchSendsTheDocumentedRequest(t *testing.T) {
	sample := readAnswer(t, "sample.json")
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/gateway/graphql", r.URL.Path)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "ForgeMetricsQuery", r.Header.Get("X-ExperimentalApi"))
		assert.Equal(t, "ForgeMetricsExportServer/1.0.0 otelcol-forge/0.1.0", r.Header.Get("User-Agent"))
		user, pass, ok := r.BasicAuth()
		assert.True(t, ok)
		assert.Equal(t, "bot@example.com", user)
		assert.Equal(t, "tok3n", pass)
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		want, err := someQuery.requestBody()
		assert.NoError(t, err)
		assert.JSONEq(t, string(want), string(body))
		_, _ = w.Write([]byte(envelope(string(sample))))
	}, "bot@example.com", 0)
	buf := &bytes.Buffer{}
	got, err := c.Fetch(context.Background(), someQuery, buf)
	require.NoError(t, err)
	assert.JSONEq(t, string(sample), string(got))

	buf.Reset()
	buf.WriteString(strings.Repeat("x", buf.Cap()))
	assert.JSONEq(t, string(sample), string(got), "the answer does not alias the buffer")
}

func TestFetchWithoutEmailLeavesAuthToTheHTTPClient(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(envelope(`{"resourceMetrics":[]}`)))
	}, "", 0)
	got, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"resourceMetrics":[]}`, string(got))
}

func TestNewClientDefaults(t *testing.T) {
	var userAgent, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userAgent, path = r.Header.Get("User-Agent"), r.URL.Path
		_, _ = w.Write([]byte(envelope(`{"resourceMetrics":[]}`)))
	}))
	defer srv.Close()
	c, err := NewClient(srv.Client(), srv.URL, "bot@example.com", "tok3n", "", 0)
	require.NoError(t, err)
	_, err = c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, "ForgeMetricsExportServer/1.0.0", userAgent)
	assert.Equal(t, "/graphql", path)
	assert.Equal(t, int64(DefaultMaxBodyBytes), c.gateway.MaxBodyBytes())

	_, err = NewClient(srv.Client(), "http://[::1", "", "", "", 0)
	assert.Error(t, err)
}

// recordingTransport remembers the requests it was given and passes them on.
type recordingTransport struct {
	next     http.RoundTripper
	requests []*http.Request
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.requests = append(rt.requests, req)
	return rt.next.RoundTrip(req)
}

func TestFetchLeavesNoWayToResendTheBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(envelope(`{"resourceMetrics":[]}`)))
	}))
	defer srv.Close()
	rt := &recordingTransport{next: srv.Client().Transport}
	c, err := NewClient(&http.Client{Transport: rt}, srv.URL, "bot@example.com", "tok3n", "", 0)
	require.NoError(t, err)
	_, err = c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	require.NoError(t, err)
	require.Len(t, rt.requests, 1)
	assert.Nil(t, rt.requests[0].GetBody, "net/http re-sends only bodies it can rewind")
}

// TestFetchIsNotResentAfterAStaleConnection lets the server close a kept-alive connection after
// reading the second request: the API saw that request, so it must fail, not go out again.
func TestFetchIsNotResentAfterAStaleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var received atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		ok := envelope(`{"resourceMetrics":[]}`)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(conn)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					break
				}
				_, _ = io.Copy(io.Discard, req.Body)
				if received.Add(1) > 1 {
					break // close without answering
				}
				_, _ = fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(ok), ok)
			}
			_ = conn.Close()
		}
	}()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	c, err := NewClient(&http.Client{Transport: transport}, "http://"+ln.Addr().String(), "bot@example.com", "tok3n", "", 0)
	require.NoError(t, err)
	_, err = c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	require.NoError(t, err)
	_, err = c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "tok3n")
	// A re-send would have happened inside the failed Fetch: the server counts each request before
	// closing its connection, and the client only fails once it saw that close.
	require.NoError(t, ln.Close())
	<-done
	assert.Equal(t, int32(2), received.Load())
}

func TestFetchMapsHTTPStatuses(t *testing.T) {
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
		{status: 502},
		{status: 503, retryAfter: "2", wantWait: 2 * time.Second},
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
			_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
			se, ok := apierror.AsStatusError(err)
			require.True(t, ok, "got %v", err)
			assert.Equal(t, tt.status, se.StatusCode)
			assert.Equal(t, tt.throttled, se.Throttled())
			assert.Equal(t, tt.refused, se.Refused())
			assert.Equal(t, tt.wantWait, se.RetryAfter)
			assert.Equal(t, `{"message":"the reason"}`, se.Reason)
			assert.NotContains(t, err.Error(), "tok3n")
		})
	}
}

func TestFetchMapsAnswersWithoutData(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		reason string
	}{
		{
			name:   "query error with status and type",
			body:   envelope(`{"message":"Interval must not exceed 15 minutes","identifier":null,"extensions":{"statusCode":400,"errorType":"BAD_REQUEST"}}`),
			status: 400, reason: "BAD_REQUEST: Interval must not exceed 15 minutes",
		},
		{
			name:   "query error unauthenticated",
			body:   envelope(`{"message":"Unauthorized","extensions":{"statusCode":401,"errorType":"UNAUTHENTICATED"}}`),
			status: 401, reason: "UNAUTHENTICATED: Unauthorized",
		},
		{
			name:   "query error forbidden",
			body:   envelope(`{"message":"Not the app's owner","extensions":{"statusCode":403,"errorType":"FORBIDDEN"}}`),
			status: 403, reason: "FORBIDDEN: Not the app's owner",
		},
		{
			name:   "query error not found",
			body:   envelope(`{"message":"App not found","identifier":"ari:cloud:ecosystem::app/x","extensions":{"statusCode":404,"errorType":"NOT_FOUND"}}`),
			status: 404, reason: "NOT_FOUND: App not found",
		},
		{
			name:   "query error throttled",
			body:   envelope(`{"message":"Rate limited","extensions":{"statusCode":429,"errorType":"RATE_LIMITED"}}`),
			status: 429, reason: "RATE_LIMITED: Rate limited",
		},
		{
			name:   "query error of the server",
			body:   envelope(`{"message":"Downstream timed out","extensions":{"statusCode":503,"errorType":"SERVICE_UNAVAILABLE"}}`),
			status: 503, reason: "SERVICE_UNAVAILABLE: Downstream timed out",
		},
		{
			name:   "status code as a string",
			body:   envelope(`{"message":"m","extensions":{"statusCode":"404","errorType":"NOT_FOUND"}}`),
			status: 404, reason: "NOT_FOUND: m",
		},
		{
			name:   "status code missing",
			body:   envelope(`{"message":"m","extensions":{"errorType":"INTERNAL"}}`),
			status: 400, reason: "INTERNAL: m",
		},
		{
			name:   "extensions missing",
			body:   envelope(`{"message":"m"}`),
			status: 400, reason: "m",
		},
		{
			name:   "status code not an error",
			body:   envelope(`{"message":"m","extensions":{"statusCode":200,"errorType":"ODD"}}`),
			status: 400, reason: "ODD: m",
		},
		{
			name:   "status code unknown",
			body:   envelope(`{"message":"m","extensions":{"statusCode":499,"errorType":"ODD"}}`),
			status: 400, reason: "ODD: m",
		},
		{
			name:   "status code not a number",
			body:   envelope(`{"message":"m","extensions":{"statusCode":"teapot","errorType":"ODD"}}`),
			status: 400, reason: "ODD: m",
		},
		{
			name:   "graphql errors without data",
			body:   `{"errors":[{"message":"Variable 'query' has an invalid value: unknown metric FORGE_NOPE"},{"message":"second"}],"data":null}`,
			status: 400, reason: "Variable 'query' has an invalid value: unknown metric FORGE_NOPE; second",
		},
		{
			name:   "graphql errors with appMetrics null",
			body:   `{"errors":[{"message":"Field 'forgeMetrics' is experimental"}],"data":{"ecosystem":{"forgeMetrics":{"appMetrics":null}}}}`,
			status: 400, reason: "Field 'forgeMetrics' is experimental",
		},
		{
			name:   "query error wins over graphql errors",
			body:   `{"errors":[{"message":"partial"}],"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"message":"gone","extensions":{"statusCode":404,"errorType":"NOT_FOUND"}}}}}}`,
			status: 404, reason: "NOT_FOUND: gone",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(tt.body))
			}, "bot@example.com", 0)
			_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
			se, ok := apierror.AsStatusError(err)
			require.True(t, ok, "got %v", err)
			assert.Equal(t, tt.status, se.StatusCode)
			assert.Equal(t, tt.reason, se.Reason)
			assert.NotContains(t, err.Error(), "tok3n")
		})
	}
}

func TestFetchKeepsDataNextToGraphQLErrors(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"errors":[{"message":"deprecated field"}],"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"resourceMetrics":[]}}}}}`))
	}, "bot@example.com", 0)
	got, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"resourceMetrics":[]}`, string(got))
}

func TestFetchPassesRetryAfterOnAThrottlingQueryError(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "12")
		_, _ = w.Write([]byte(envelope(`{"message":"slow down","extensions":{"statusCode":429,"errorType":"RATE_LIMITED"}}`)))
	}, "bot@example.com", 0)
	_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	se, ok := apierror.AsStatusError(err)
	require.True(t, ok, "got %v", err)
	assert.True(t, se.Throttled())
	assert.Equal(t, 12*time.Second, se.RetryAfter)
}

func TestFetchReportsMalformedAnswers(t *testing.T) {
	for _, body := range []string{
		``,
		`<html>Bad gateway</html>`,
		envelope(`{"resourceMetrics":[`),
		`{"data":null}`,
		`{"data":{"ecosystem":null}}`,
		envelope(`{}`),
		envelope(`[]`),
		envelope(`"text"`),
		envelope(`{"message":7}`),
	} {
		c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(body))
		}, "bot@example.com", 0)
		_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
		assert.ErrorIs(t, err, ErrMalformedAnswer, body)
		_, isStatus := apierror.AsStatusError(err)
		assert.False(t, isStatus, body)
	}
}

func TestFetchCapsTheBody(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
		c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(envelope(`{"resourceMetrics":[` + strings.Repeat(" ", 2048) + `]}`)))
		}, "bot@example.com", 1024)
		_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
		assert.Equal(t, status, apierror.StatusCode(err), "counted as the status the API answered")
		if status == http.StatusOK {
			assert.ErrorIs(t, err, apierror.ErrBodyTooLarge)
		}
	}
	exact := envelope(`{"resourceMetrics":[]}`)
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(exact))
	}, "bot@example.com", int64(len(exact)))
	_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	assert.NoError(t, err, "a body of exactly the cap is read")
}

func TestFetchReportsTransportErrors(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}, "bot@example.com", 0)
	_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
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
	_, err := c.Fetch(ctx, someQuery, &bytes.Buffer{})
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
}

// An API or proxy that echoes the request's credentials, in a refusal or a QueryError, must not
// put them in the collector's logs, which show the refusal's reason.
func TestFetchMasksCredentialsEchoedInARefusal(t *testing.T) {
	for name, answer := range map[string]func(w http.ResponseWriter, echo string){
		"status": func(w http.ResponseWriter, echo string) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(echo))
		},
		"QueryError": func(w http.ResponseWriter, echo string) {
			_, _ = w.Write([]byte(envelope(`{"message":"` + echo + `","extensions":{"statusCode":401}}`)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				_, pass, _ := r.BasicAuth()
				answer(w, "token "+pass+", header "+r.Header.Get("Authorization"))
			}, "bot@example.com", 1<<20)
			_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
			se, ok := apierror.AsStatusError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, http.StatusUnauthorized, se.StatusCode)
			assert.Equal(t, "token [masked], header Basic [masked]", se.Reason)
		})
	}
}
