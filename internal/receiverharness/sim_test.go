package receiverharness

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // a test's request to its own loopback server
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

func TestRefuseFirstRefusesThenServes(t *testing.T) {
	refuser := RefuseFirst(2, "refused", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("served"))
	}))
	srv := Serve(t, refuser)
	var got []string
	for range 4 {
		got = append(got, get(t, srv.URL))
	}
	assert.Equal(t, []string{"refused", "refused", "served", "served"}, got)
	assert.Equal(t, 2, refuser.Refused())
}

// Sim fills in the harness's account, so that a test names only what its scenario needs.
func TestSimServesTheHarnessAccount(t *testing.T) {
	sim, srv := Sim(t, forgesim.Config{Apps: map[string][]string{"app-1": {"env-1"}}, Origin: Now.Add(-time.Hour), Now: func() time.Time { return Now }})
	for _, token := range []string{Token, "another-token"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/app/logs/app-1?environmentId=env-1", http.NoBody)
		require.NoError(t, err)
		req.SetBasicAuth(Email, token)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	requests := sim.Requests()
	require.Len(t, requests, 2)
	assert.NotEqual(t, http.StatusUnauthorized, requests[0].Status, "the harness's account")
	assert.Equal(t, http.StatusUnauthorized, requests[1].Status, "another token")
	assert.Len(t, RequestTimes(sim, "logs"), 2)
	assert.Len(t, RequestTimes(sim, ""), 2)
	assert.Empty(t, RequestTimes(sim, "metrics"))
}

func TestGraphQLVariables(t *testing.T) {
	req, err := http.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"q","variables":{"filters":{"interval":{"start":"2026-11-24T11:00:00Z"}}}}`))
	require.NoError(t, err)
	var asked struct {
		Filters struct{ Interval struct{ Start time.Time } }
	}
	require.True(t, GraphQLVariables(t, req, &asked))
	assert.Equal(t, Now.Add(-time.Hour), asked.Filters.Interval.Start)

	notJSON, err := http.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`not json`))
	require.NoError(t, err)
	assert.True(t, fails(t, func(t testing.TB) { GraphQLVariables(t, notJSON, &asked) }))
}
