package discovery

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// recordedRequest is what the test API saw of one request.
type recordedRequest struct {
	method, path, contentType, userAgent, authorization string
	body                                                string
}

func newRecordingAPI(t *testing.T, status int, answer string) (*httptest.Server, *[]recordedRequest) {
	t.Helper()
	var seen []recordedRequest
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, recordedRequest{
			method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			userAgent: r.Header.Get("User-Agent"), authorization: r.Header.Get("Authorization"), body: string(body),
		})
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

const onePage = `{"data":{"app":{"environmentsPage":{"nodes":[
	{"id":"e-prod","key":"production","type":"PRODUCTION","createdAt":"2026-01-02T03:04:05.000Z"},
	{"id":"e-dev","key":"dev-alice","type":"DEVELOPMENT","createdAt":"2026-01-02T03:04:05.000Z"}],
	"pageInfo":{"hasNextPage":true,"endCursor":"c2"},"totalCount":3}}}}`

func TestPageSendsTheForgeCLIsQuery(t *testing.T) {
	srv, seen := newRecordingAPI(t, http.StatusOK, onePage)
	client, err := NewClient(srv.Client(), srv.URL+"/", "bot@example.com", "s3cr3t-token", "otelcol-forge/1.2.3")
	require.NoError(t, err)

	page, err := client.Page(context.Background(), "app-1", "")
	require.NoError(t, err)
	_, err = client.Page(context.Background(), "ari:cloud:ecosystem::app/app-1", "c2")
	require.NoError(t, err)

	// The query text of @forge/cli-shared 9.8.0 (SPEC 10), and the variables: the app's ARI
	// whether configured bare or as its ARI, a page of 50, the cursor of the page before.
	const query = `query forge_cli_listEnvironment($id: ID!, $first: Int!, $after: String) { app(id: $id) { environmentsPage(first: $first, after: $after) { nodes { id key type createdAt } pageInfo { hasNextPage endCursor } totalCount } } }`
	require.Len(t, *seen, 2)
	first, second := (*seen)[0], (*seen)[1]
	assert.Equal(t, http.MethodPost, first.method)
	assert.Equal(t, "/graphql", first.path)
	assert.Equal(t, "application/json", first.contentType)
	assert.Equal(t, "otelcol-forge/1.2.3", first.userAgent)
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("bot@example.com:s3cr3t-token")), first.authorization)
	assert.JSONEq(t, `{"query":`+quote(query)+`,"variables":{"id":"ari:cloud:ecosystem::app/app-1","first":50,"after":null}}`, first.body)
	assert.JSONEq(t, `{"query":`+quote(query)+`,"variables":{"id":"ari:cloud:ecosystem::app/app-1","first":50,"after":"c2"}}`, second.body)

	assert.Equal(t, Page{
		Environments: []Environment{
			{ID: "e-prod", Key: "production", Type: "PRODUCTION"},
			{ID: "e-dev", Key: "dev-alice", Type: "DEVELOPMENT"},
		},
		Next: "c2", TotalCount: 3,
	}, page)
}

func quote(s string) string { return `"` + s + `"` }

func TestPageLeavesAuthToTheHTTPClientWithoutEmail(t *testing.T) {
	srv, seen := newRecordingAPI(t, http.StatusOK, onePage)
	client, err := NewClient(srv.Client(), srv.URL, "", "", "")
	require.NoError(t, err)
	_, err = client.Page(context.Background(), "app-1", "")
	require.NoError(t, err)
	assert.Empty(t, (*seen)[0].authorization)
}

func TestPageClassifiesAnswers(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		answer     string
		wantStatus int // 0: a bad body, worth retrying
		wantReason string
	}{
		{"unauthorized", http.StatusUnauthorized, `{"message":"Unauthorized: token s3cr3t-token expired"}`, 401, "[masked]"},
		{"forbidden", http.StatusForbidden, `{"message":"Forbidden"}`, 403, "Forbidden"},
		{"throttled", http.StatusTooManyRequests, `{}`, 429, ""},
		{"server error", http.StatusBadGateway, `oops`, 502, "oops"},
		{"graphql errors", http.StatusOK, `{"errors":[{"message":"Not permitted"},{"message":"twice"}],"data":null}`, 400, "Not permitted; twice"},
		{"app unknown", http.StatusOK, `{"data":{"app":null}}`, 404, "app not found"},
		{"not json", http.StatusOK, `<html>`, 0, ""},
		{"no data", http.StatusOK, `{}`, 0, ""},
		{"no page", http.StatusOK, `{"data":{"app":{}}}`, 0, ""},
		{"environment without id", http.StatusOK, `{"data":{"app":{"environmentsPage":{"nodes":[{"key":"x"}],"pageInfo":{"hasNextPage":false}}}}}`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newRecordingAPI(t, tt.status, tt.answer)
			client, err := NewClient(srv.Client(), srv.URL, "bot@example.com", "s3cr3t-token", "")
			require.NoError(t, err)
			_, err = client.Page(context.Background(), "app-1", "")
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "s3cr3t-token")
			se, isStatus := apierror.AsStatusError(err)
			if tt.wantStatus == 0 {
				var bad *apierror.BadBodyError
				assert.ErrorAs(t, err, &bad)
				return
			}
			require.True(t, isStatus, "%v", err)
			assert.Equal(t, tt.wantStatus, se.StatusCode)
			assert.Contains(t, se.Reason, tt.wantReason)
		})
	}
}

func TestLastPageHasNoNextCursor(t *testing.T) {
	page, err := decodePage([]byte(`{"data":{"app":{"environmentsPage":{"nodes":[],"pageInfo":{"hasNextPage":false,"endCursor":"c9"},"totalCount":0}}}}`))
	require.NoError(t, err)
	assert.Empty(t, page.Next, "a cursor without a next page ends the listing")
	assert.Empty(t, page.Environments)
}

func TestPageSaysWhenMorePagesHaveNoCursor(t *testing.T) {
	page, err := decodePage([]byte(`{"data":{"app":{"environmentsPage":{"nodes":[{"id":"e"}],"pageInfo":{"hasNextPage":true,"endCursor":null},"totalCount":9}}}}`))
	require.NoError(t, err)
	assert.Empty(t, page.Next)
	assert.True(t, page.MoreWithoutCursor)
}
