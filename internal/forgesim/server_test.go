package forgesim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	cfg.Email, cfg.Token = "u@example.com", "tok"
	cfg.Apps = map[string][]string{"app": {"env"}}
	cfg.Now = func() time.Time { return now }
	if cfg.Origin.IsZero() {
		cfg.Origin = now.Add(-2 * time.Hour)
	}
	sim := New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

type page struct {
	AppLogs []map[string]any `json:"appLogs"`
	Cursor  string           `json:"cursor"`
}

func get(t *testing.T, srv *httptest.Server, app string, q url.Values, auth bool) (int, page, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/app/logs/"+app+"?"+q.Encode(), nil)
	require.NoError(t, err)
	if auth {
		req.SetBasicAuth("u@example.com", "tok")
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var p page
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	}
	return resp.StatusCode, p, resp.Header
}

func window(start, end time.Time) url.Values {
	return url.Values{"environmentId": {"env"}, "startDate": {start.Format(dateLayout)}, "endDate": {end.Format(dateLayout)}}
}

func TestContractRefusals(t *testing.T) {
	_, srv := newTestServer(t, Config{})
	ok := window(now.Add(-time.Hour), now)
	tests := []struct {
		name   string
		app    string
		query  url.Values
		auth   bool
		status int
	}{
		{"no credentials", "app", ok, false, http.StatusUnauthorized},
		{"unknown app", "other", ok, true, http.StatusNotFound},
		{"unknown environment", "app", url.Values{"environmentId": {"x"}, "startDate": ok["startDate"], "endDate": ok["endDate"]}, true, http.StatusNotFound},
		{"window over an hour", "app", window(now.Add(-61*time.Minute), now), true, http.StatusBadRequest},
		{"older than 14 days", "app", window(now.Add(-15*24*time.Hour), now.Add(-15*24*time.Hour+time.Minute)), true, http.StatusBadRequest},
		{"end before start", "app", window(now, now.Add(-time.Minute)), true, http.StatusBadRequest},
		{"bad date format", "app", url.Values{"environmentId": {"env"}, "startDate": {"2026-11-24"}, "endDate": ok["endDate"]}, true, http.StatusBadRequest},
		{"unknown level", "app", mergeValues(ok, url.Values{"level": {"LOUD"}}), true, http.StatusBadRequest},
		{"cursor of another window", "app", mergeValues(window(now.Add(-time.Hour), now.Add(-time.Minute)), url.Values{"cursor": {"eyJuIjozLCJzIjoxLCJlIjoyfQ"}}), true, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, _ := get(t, srv, tt.app, tt.query, tt.auth)
			assert.Equal(t, tt.status, status)
		})
	}
}

func mergeValues(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestPaginationReturnsEveryRecordOnce(t *testing.T) {
	sim, srv := newTestServer(t, Config{RecordsPerSecond: 1, PageSize: 100})
	start, end := now.Add(-time.Hour), now.Add(-time.Minute)
	seen := map[string]bool{}
	q := window(start, end)
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100)
		status, p, _ := get(t, srv, "app", q, true)
		require.Equal(t, http.StatusOK, status)
		for _, r := range p.AppLogs {
			id := attribute(r, "invocationId")
			require.False(t, seen[id], "record %s twice", id)
			seen[id] = true
		}
		if p.Cursor == "" {
			break
		}
		q.Set("cursor", p.Cursor)
	}
	assert.Len(t, seen, len(sim.Visible("app", "env", start, end.Add(time.Millisecond-1))))
}

func attribute(record map[string]any, key string) string {
	for _, a := range record["attributes"].([]any) {
		kv := a.(map[string]any)
		if kv["key"] == key {
			return kv["value"].(map[string]any)["stringValue"].(string)
		}
	}
	return ""
}

func TestFilters(t *testing.T) {
	_, srv := newTestServer(t, Config{RecordsPerSecond: 1, PageSize: 5000, Sites: []string{"site-a", "site-b"}})
	q := mergeValues(window(now.Add(-time.Hour), now), url.Values{"level": {"ERROR", "FATAL"}, "installationContext": {"site-b"}, "message": {"issuePanel"}})
	status, p, _ := get(t, srv, "app", q, true)
	require.Equal(t, http.StatusOK, status)
	require.NotEmpty(t, p.AppLogs)
	for _, r := range p.AppLogs {
		assert.Contains(t, []float64{50, 60}, r["severityNumber"])
		assert.Equal(t, "site-b", attribute(r, "installationContext"))
		assert.Equal(t, "issuePanel", attribute(r, "functionKey"))
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	sim, srv := newTestServer(t, Config{RequestsPerMinute: 3})
	q := window(now.Add(-time.Hour), now)
	for range 3 {
		status, _, _ := get(t, srv, "app", q, true)
		require.Equal(t, http.StatusOK, status)
	}
	status, _, header := get(t, srv, "app", q, true)
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.NotEmpty(t, header.Get("Retry-After"))
	assert.Len(t, sim.Requests(), 4)
}

func TestBoundaryRecordsAreInBothWindows(t *testing.T) {
	sim, srv := newTestServer(t, Config{RecordsPerSecond: 3, PageSize: 10000})
	boundary := now.Add(-time.Hour)
	onBoundary := sim.Visible("app", "env", boundary, boundary)
	require.NotEmpty(t, onBoundary, "a record group sits on the boundary")
	id := InvocationID("env", onBoundary[0].Index)
	for _, w := range [][2]time.Time{{boundary.Add(-time.Minute), boundary}, {boundary, boundary.Add(time.Minute)}} {
		_, p, _ := get(t, srv, "app", window(w[0], w[1]), true)
		found := false
		for _, r := range p.AppLogs {
			found = found || attribute(r, "invocationId") == id
		}
		assert.True(t, found, "window %v holds the boundary record", w)
	}
}
