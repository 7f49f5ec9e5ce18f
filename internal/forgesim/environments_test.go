package forgesim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const listQuery = `query forge_cli_listEnvironment($id: ID!, $first: Int!, $after: String) { app(id: $id) { environmentsPage(first: $first, after: $after) { nodes { id key type createdAt } pageInfo { hasNextPage endCursor } totalCount } } }`

func postGraphQL(t *testing.T, url, query string, vars map[string]any) (int, string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth("u@example.com", "tok")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestEnvironmentListPagesAndLogsTheRequest(t *testing.T) {
	sim, srv := newTestServer(t, Config{})
	sim.AddEnvironment("app", "env-prod", "PRODUCTION")
	sim.AddEnvironment("app", "dev-bob", "")

	status, body := postGraphQL(t, srv.URL, listQuery, map[string]any{"id": "ari:cloud:ecosystem::app/app", "first": 2})
	require.Equal(t, http.StatusOK, status)
	created := now.Add(-2 * 60 * 60 * 1e9).UTC().Format(dateLayout)
	assert.JSONEq(t, `{"data":{"app":{"environmentsPage":{"nodes":[
		{"id":"dev-bob","key":"dev-bob","type":"DEVELOPMENT","createdAt":"`+created+`"},
		{"id":"env","key":"env","type":"DEVELOPMENT","createdAt":"`+created+`"}],
		"pageInfo":{"hasNextPage":true,"endCursor":"ZW52OjI="},"totalCount":3}}}}`, body)

	status, body = postGraphQL(t, srv.URL, listQuery, map[string]any{"id": "ari:cloud:ecosystem::app/app", "first": 2, "after": "ZW52OjI="})
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"data":{"app":{"environmentsPage":{"nodes":[
		{"id":"env-prod","key":"env-prod","type":"PRODUCTION","createdAt":"`+created+`"}],
		"pageInfo":{"hasNextPage":false,"endCursor":"ZW52OjM="},"totalCount":3}}}}`, body)

	reqs := sim.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "environments", reqs[0].API)
	assert.Equal(t, "app", reqs[0].AppID)
	assert.False(t, reqs[0].Cursor)
	assert.True(t, reqs[1].Cursor)
}

func TestEnvironmentListRefusals(t *testing.T) {
	_, srv := newTestServer(t, Config{})
	ari := "ari:cloud:ecosystem::app/app"
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  string
	}{
		{"bare app id", listQuery, map[string]any{"id": "app", "first": 10}, `"errors"`},
		{"no first", listQuery, map[string]any{"id": ari}, `"errors"`},
		{"unknown variable", listQuery, map[string]any{"id": ari, "first": 10, "type": "PRODUCTION"}, `"errors"`},
		{"another selection", "query forge_cli_listEnvironment($id: ID!) { app(id: $id) { id } }", map[string]any{"id": ari, "first": 10}, `"errors"`},
		{"bad cursor", listQuery, map[string]any{"id": ari, "first": 10, "after": "nope"}, `"errors"`},
		{"unknown app", listQuery, map[string]any{"id": ari + "-other", "first": 10}, `{"data":{"app":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postGraphQL(t, srv.URL, tt.query, tt.vars)
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, tt.want)
		})
	}
}

func TestEnvironmentControl(t *testing.T) {
	for _, control := range []bool{false, true} {
		sim, srv := newTestServer(t, Config{Control: control})
		resp, err := http.PostForm(srv.URL+"/_sim/environments", url.Values{"app": {"app"}, "id": {"staging"}, "type": {"STAGING"}})
		require.NoError(t, err)
		resp.Body.Close()
		envs, _ := sim.environmentsOf("app")
		if !control {
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
			assert.Equal(t, []string{"env"}, envs)
			continue
		}
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		assert.Equal(t, []string{"env", "staging"}, envs)
		assert.Equal(t, "STAGING", sim.environmentType("staging"))
		req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/_sim/environments?app=app&id=env", nil)
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		envs, _ = sim.environmentsOf("app")
		assert.Equal(t, []string{"staging"}, envs)
	}
}
