package usageapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

func TestParsePeriodStart(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2025-09-01", time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)},
		{"2025-09-01T13:00:00Z", time.Date(2025, 9, 1, 13, 0, 0, 0, time.UTC)},
		{"2025-09-01T13:00:00.000Z", time.Date(2025, 9, 1, 13, 0, 0, 0, time.UTC)},
		{"2025-09-01T13:00:00.5Z", time.Date(2025, 9, 1, 13, 0, 0, 500_000_000, time.UTC)},
		{"2025-09-01T15:00:00+02:00", time.Date(2025, 9, 1, 13, 0, 0, 0, time.UTC)},
		{"2025-09-01T08:30:00.000-04:30", time.Date(2025, 9, 1, 13, 0, 0, 0, time.UTC)},
	} {
		got, err := ParsePeriodStart(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, time.UTC, got.Location(), tt.in)
	}
	for _, bad := range []string{"", "2025-09", "2025-09-01 13:00:00", "2025-09-01T13:00:00", "2025-09-01T13:00Z", "1756731600", "September 1, 2025", "2025-13-01"} {
		_, err := ParsePeriodStart(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestPeriodEnd(t *testing.T) {
	start := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, start.Add(time.Hour), PeriodEnd(start, "ONE_HOUR"))
	assert.Equal(t, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), PeriodEnd(start, "ONE_DAY"))
	assert.Equal(t, time.Date(2026, 2, 7, 0, 0, 0, 0, time.UTC), PeriodEnd(start, "ONE_WEEK"))
	assert.Equal(t, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), PeriodEnd(start, "ONE_MONTH"), "Go's normalisation of 31 February")
	assert.True(t, PeriodEnd(start, "ONE_MINUTE").IsZero())
}

func usage(resourceUsage string) string {
	return `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"resourceUsage":` + resourceUsage + `,"pagination":{"page":1,"pageSize":100},"error":null}}}}}`
}

func TestParsePageAmounts(t *testing.T) {
	for in, want := range map[string]float64{`"1.024000"`: 1.024, `"0"`: 0, `"12345678901.000001"`: 12345678901.000001, `"1e-3"`: 0.001, `2.5`: 2.5} {
		page, err := ParsePage([]byte(usage(`[{"period":"2025-09-01","resolution":"ONE_DAY","tokensConsumed":` + in + `,"tokenUnit":"GB-seconds"}]`)))
		require.NoError(t, err, in)
		assert.Equal(t, want, page.Periods[0].Groups[0].Amount, in)
		assert.Equal(t, "GB-seconds", page.Periods[0].Groups[0].Unit)
		assert.Equal(t, 100, page.PageSize)
	}
	for _, bad := range []string{`"abc"`, `""`, `"Inf"`, `"NaN"`, `"0x1p-2"`, `null`, `true`} {
		_, err := ParsePage([]byte(usage(`[{"period":"2025-09-01","resolution":"ONE_DAY","tokensConsumed":` + bad + `,"tokenUnit":"u"}]`)))
		assert.ErrorIs(t, err, ErrMalformedAnswer, bad)
	}
}

func TestParsePageRefusesAnUnreadablePeriod(t *testing.T) {
	_, err := ParsePage([]byte(usage(`[{"period":"last tuesday","resolution":"ONE_DAY","tokensConsumed":"1","tokenUnit":"u"}]`)))
	assert.ErrorIs(t, err, ErrMalformedAnswer)
	assert.ErrorContains(t, err, "last tuesday")
}

func TestParsePageErrors(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		status     int
		reason     string
	}{
		{"QueryError", `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"resourceUsage":null,"pagination":null,"error":{"message":"Forbidden","identifier":"x","extensions":{"errorType":"FORBIDDEN","statusCode":403}}}}}}}`, 403, "FORBIDDEN: Forbidden"},
		{"QueryError rate limit", `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"error":{"message":"Too many","extensions":{"statusCode":"429"}}}}}}}`, 429, "Too many"},
		{"QueryError without status", `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"error":{"message":"Bad interval"}}}}}}`, 400, "Bad interval"},
		{"GraphQL errors", `{"errors":[{"message":"Validation error: field 'metrics' is not defined in 'DevConsoleAppResourceUsageFiltersInput'"}],"data":null}`, 400, "Validation error: field 'metrics' is not defined in 'DevConsoleAppResourceUsageFiltersInput'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePage([]byte(tt.body))
			se, ok := apierror.AsStatusError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tt.status, se.StatusCode)
			assert.Equal(t, tt.reason, se.Reason)
		})
	}
	for _, bad := range []string{`not json`, `{"data":null}`, `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"pagination":{"page":1}}}}}}`, `{"data":{"ecosystem":{"devConsole":{"appResourceUsage":[]}}}}`} {
		_, err := ParsePage([]byte(bad))
		assert.ErrorIs(t, err, ErrMalformedAnswer, bad)
	}
}

func TestClientSendsTheDocumentedRequest(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		_, _ = w.Write([]byte(usage(`[]`)))
	}))
	defer srv.Close()
	c, err := NewClient(srv.Client(), srv.URL+"/gateway/", "bot@example.com", "tok3n", "", 0)
	require.NoError(t, err)
	q := Query{AppID: "app-1", Resource: "KVS_READ", GroupBy: GroupByEnvironment, Start: windowStart, End: windowEnd, Page: 1}
	page, err := c.Fetch(context.Background(), q, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Empty(t, page.Periods)

	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/gateway/graphql", got.URL.Path)
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("bot@example.com:tok3n")), got.Header.Get("Authorization"))
	assert.Equal(t, ExperimentalAPI, got.Header.Get("X-ExperimentalAPI"))
	assert.Equal(t, DocumentedUserAgent, got.Header.Get("User-Agent"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	want, err := q.RequestBody()
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(body))
}

// A refusal carries its reason without the token, and a 429 its Retry-After.
func TestClientRefusals(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "17")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"error":{"message":"token tok3n is not allowed","extensions":{"statusCode":429}}}}}}}`))
	}))
	defer srv.Close()
	c, err := NewClient(srv.Client(), srv.URL, "bot@example.com", "tok3n", "ua", 0)
	require.NoError(t, err)
	for _, status = range []int{http.StatusOK, http.StatusTooManyRequests} {
		_, err = c.Fetch(context.Background(), Query{AppID: "a", Resource: "KVS_READ", Page: 1}, &bytes.Buffer{})
		se, ok := apierror.AsStatusError(err)
		require.True(t, ok)
		assert.Equal(t, 429, se.StatusCode)
		assert.Equal(t, 17*time.Second, se.RetryAfter)
		assert.NotContains(t, se.Reason, "tok3n")
	}
}
