package forgesim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// usageQuery is the documented grouped query, as a receiver sends it.
const usageQuery = `query ($appId: ID!, $filters: DevConsoleAppResourceUsageFiltersInput!, $groupBy: DevConsoleGroupBy!) {
  ecosystem { devConsole { appResourceUsage(appId: $appId, filters: $filters, groupBy: $groupBy) {
    ... on DevConsoleAppResourceUsageGroupedResponse {
      resourceUsage { period resolution groups { groupBy groupValue tokensConsumed tokenUnit } }
      pagination { page pageSize }
      error { message identifier extensions { errorType statusCode } }
    } } } }
}`

const usageFlatQuery = `query ($appId: ID!, $filters: DevConsoleAppResourceUsageFiltersInput!) {
  ecosystem { devConsole { appResourceUsage(appId: $appId, filters: $filters) {
    ... on DevConsoleAppResourceUsageFlatResponse {
      resourceUsage { period resolution tokensConsumed tokenUnit }
      pagination { page pageSize }
      error { message identifier extensions { errorType statusCode } }
    } } } }
}`

type usageAnswerJSON struct {
	Errors []struct{ Message string } `json:"errors"`
	Data   struct {
		Ecosystem struct {
			DevConsole struct {
				AppResourceUsage struct {
					ResourceUsage []struct {
						Period         string `json:"period"`
						Resolution     string `json:"resolution"`
						TokensConsumed string `json:"tokensConsumed"`
						Groups         []struct {
							GroupBy        string `json:"groupBy"`
							GroupValue     string `json:"groupValue"`
							TokensConsumed string `json:"tokensConsumed"`
							TokenUnit      string `json:"tokenUnit"`
						} `json:"groups"`
					} `json:"resourceUsage"`
					Pagination *struct{ Page, PageSize int } `json:"pagination"`
					Error      *struct {
						Message    string `json:"message"`
						Extensions struct {
							StatusCode int    `json:"statusCode"`
							ErrorType  string `json:"errorType"`
						} `json:"extensions"`
					} `json:"error"`
				} `json:"appResourceUsage"`
			} `json:"devConsole"`
		} `json:"ecosystem"`
	} `json:"data"`
}

func newUsageSim(t *testing.T, c *clock, perMinute int) *httptest.Server {
	t.Helper()
	sim := New(Config{
		Email: "u@example.com", Token: "tok",
		Apps:   map[string][]string{"app-1": {"env-1", "env-2"}},
		Origin: metricsNow.Add(-10 * 24 * time.Hour), UsageRequestsPerMinute: perMinute, Now: c.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv
}

func postUsage(t *testing.T, url, query string, vars any, header string) (int, http.Header, usageAnswerJSON) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth("u@example.com", "tok")
	if header != "" {
		req.Header.Set("X-ExperimentalAPI", header)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var answer usageAnswerJSON
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	}
	return resp.StatusCode, resp.Header, answer
}

func usageVars(filters map[string]any, groupBy string) map[string]any {
	vars := map[string]any{"appId": "ari:cloud:ecosystem::app/app-1", "filters": filters}
	if groupBy != "" {
		vars["groupBy"] = groupBy
	}
	return vars
}

func interval(start, end time.Time) map[string]string {
	return map[string]string{"start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339)}
}

func TestUsageHourlyPeriodsPerEnvironment(t *testing.T) {
	c := &clock{now: metricsNow}
	srv := newUsageSim(t, c, 0)
	start := metricsNow.Add(-3 * time.Hour)
	status, _, a := postUsage(t, srv.URL, usageQuery, usageVars(map[string]any{
		"resource": "FUNCTION_COMPUTE", "interval": interval(start, start.Add(2*time.Hour)), "page": 1,
	}, "ENVIRONMENT_ID"), usageExperimentalAPI)
	require.Equal(t, http.StatusOK, status)
	u := a.Data.Ecosystem.DevConsole.AppResourceUsage
	require.Nil(t, u.Error)
	require.Len(t, u.ResourceUsage, 2)
	assert.Equal(t, "2026-11-24T09:00:00Z", u.ResourceUsage[0].Period)
	assert.Equal(t, "ONE_HOUR", u.ResourceUsage[0].Resolution)
	require.Len(t, u.ResourceUsage[0].Groups, 2)
	g := u.ResourceUsage[0].Groups[0]
	assert.Equal(t, "ENVIRONMENT_ID", g.GroupBy)
	assert.Equal(t, "env-1", g.GroupValue)
	assert.Equal(t, "GB-seconds", g.TokenUnit)
	assert.Regexp(t, `^\d+\.\d{6}$`, g.TokensConsumed)
	assert.Equal(t, 100, u.Pagination.PageSize)

	// The same question, the same answer.
	_, _, again := postUsage(t, srv.URL, usageQuery, usageVars(map[string]any{
		"resource": "FUNCTION_COMPUTE", "interval": interval(start, start.Add(2*time.Hour)), "page": 1,
	}, "ENVIRONMENT_ID"), usageExperimentalAPI)
	assert.Equal(t, a, again)
}

func TestUsageDailyPeriodsBeyondADay(t *testing.T) {
	c := &clock{now: metricsNow}
	srv := newUsageSim(t, c, 0)
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	_, _, a := postUsage(t, srv.URL, usageFlatQuery, usageVars(map[string]any{
		"resource": "KVS_READ", "interval": interval(start, start.Add(48*time.Hour)),
	}, ""), usageExperimentalAPI)
	u := a.Data.Ecosystem.DevConsole.AppResourceUsage
	require.Len(t, u.ResourceUsage, 2)
	assert.Equal(t, "2026-11-20", u.ResourceUsage[0].Period)
	assert.Equal(t, "ONE_DAY", u.ResourceUsage[0].Resolution)
	assert.NotEmpty(t, u.ResourceUsage[0].TokensConsumed)
	assert.Empty(t, u.ResourceUsage[0].Groups)
}

// Grouped by site over 24 hours: 24 periods x 3 sites = 72 rows; with a page size of 50 the
// second page holds the last 22 and a third is empty.
func TestUsagePagesBySite(t *testing.T) {
	c := &clock{now: metricsNow}
	sim := New(Config{Email: "u@example.com", Token: "tok", Apps: map[string][]string{"app-1": {"env-1"}},
		Origin: metricsNow.Add(-5 * 24 * time.Hour), UsagePageSize: 50, Now: c.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	rows := func(page int) int {
		_, _, a := postUsage(t, srv.URL, usageQuery, usageVars(map[string]any{
			"resource": "SQL_REQUESTS", "interval": interval(start, start.Add(24*time.Hour)), "environment": "env-1", "page": page,
		}, "CONTEXT_ARI"), usageExperimentalAPI)
		n := 0
		for _, p := range a.Data.Ecosystem.DevConsole.AppResourceUsage.ResourceUsage {
			n += len(p.Groups)
			for _, g := range p.Groups {
				assert.Contains(t, sim.cfg.Sites, g.GroupValue)
			}
		}
		return n
	}
	assert.Equal(t, 50, rows(1))
	assert.Equal(t, 22, rows(2))
	assert.Equal(t, 0, rows(3))
	assert.Len(t, sim.VisibleUsage("app-1", "SQL_REQUESTS", "CONTEXT_ARI", "env-1", start, start.Add(24*time.Hour)), 72)
}

// Periods that have not ended yet are not served.
func TestUsageServesEndedPeriodsOnly(t *testing.T) {
	c := &clock{now: metricsNow.Add(30 * time.Minute)}
	srv := newUsageSim(t, c, 0)
	_, _, a := postUsage(t, srv.URL, usageQuery, usageVars(map[string]any{
		"resource": "FUNCTION_COMPUTE", "interval": interval(metricsNow.Add(-time.Hour), metricsNow.Add(time.Hour)),
	}, "ENVIRONMENT_ID"), usageExperimentalAPI)
	require.Len(t, a.Data.Ecosystem.DevConsole.AppResourceUsage.ResourceUsage, 1)
	assert.Equal(t, "2026-11-24T11:00:00Z", a.Data.Ecosystem.DevConsole.AppResourceUsage.ResourceUsage[0].Period)
}

func TestUsageRefusals(t *testing.T) {
	c := &clock{now: metricsNow}
	srv := newUsageSim(t, c, 0)
	good := map[string]any{"resource": "FUNCTION_COMPUTE", "interval": interval(metricsNow.Add(-time.Hour), metricsNow)}

	// A field DevConsoleAppResourceUsageFiltersInput does not declare.
	_, _, a := postUsage(t, srv.URL, usageQuery, usageVars(map[string]any{"resource": "FUNCTION_COMPUTE", "interval": good["interval"], "metrics": []string{"x"}}, "ENVIRONMENT_ID"), usageExperimentalAPI)
	require.NotEmpty(t, a.Errors)
	assert.Contains(t, a.Errors[0].Message, "metrics")

	_, _, a = postUsage(t, srv.URL, usageQuery, usageVars(map[string]any{"resource": "GPU_COMPUTE", "interval": good["interval"]}, "ENVIRONMENT_ID"), usageExperimentalAPI)
	require.NotEmpty(t, a.Errors)
	assert.Contains(t, a.Errors[0].Message, "GPU_COMPUTE")

	_, _, a = postUsage(t, srv.URL, usageQuery, usageVars(good, "ENVIRONMENT_ID"), "")
	require.NotEmpty(t, a.Errors, "the experimental opt-in is required")

	vars := usageVars(good, "ENVIRONMENT_ID")
	vars["appId"] = "ari:cloud:ecosystem::app/nope"
	_, _, a = postUsage(t, srv.URL, usageQuery, vars, usageExperimentalAPI)
	require.NotNil(t, a.Data.Ecosystem.DevConsole.AppResourceUsage.Error)
	assert.Equal(t, 404, a.Data.Ecosystem.DevConsole.AppResourceUsage.Error.Extensions.StatusCode)

	_, _, a = postUsage(t, srv.URL, usageQuery, usageVars(map[string]any{"resource": "FUNCTION_COMPUTE", "interval": interval(metricsNow, metricsNow.Add(-time.Hour))}, "ENVIRONMENT_ID"), usageExperimentalAPI)
	require.NotNil(t, a.Data.Ecosystem.DevConsole.AppResourceUsage.Error)
	assert.Equal(t, "BAD_REQUEST", a.Data.Ecosystem.DevConsole.AppResourceUsage.Error.Extensions.ErrorType)
}

// Five requests a minute per account, for this API alone: the metrics API's budget is another.
func TestUsageRateLimit(t *testing.T) {
	c := &clock{now: metricsNow}
	srv := newUsageSim(t, c, 5)
	vars := usageVars(map[string]any{"resource": "FUNCTION_COMPUTE", "interval": interval(metricsNow.Add(-time.Hour), metricsNow)}, "ENVIRONMENT_ID")
	for range 5 {
		status, _, _ := postUsage(t, srv.URL, usageQuery, vars, usageExperimentalAPI)
		require.Equal(t, http.StatusOK, status)
	}
	status, header, _ := postUsage(t, srv.URL, usageQuery, vars, usageExperimentalAPI)
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Equal(t, "61", header.Get("Retry-After"))
	c.Advance(time.Minute)
	status, _, _ = postUsage(t, srv.URL, usageQuery, vars, usageExperimentalAPI)
	assert.Equal(t, http.StatusOK, status)
}
