package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

func TestPostSendsTheHeadersAndReturnsTheBody(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()
	// Header names as a caller writes them: they are sent in canonical form.
	c, err := New(srv.Client(), srv.URL+"/base/", "bot@example.com", "tok3n",
		http.Header{"x-experimentalapi": {"SomeQuery"}, "User-Agent": {"ua/1"}}, 1<<10)
	require.NoError(t, err)
	answer, err := c.Post(context.Background(), []byte(`{"query":"q"}`), &bytes.Buffer{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"data":{}}`, string(answer.Body))
	assert.Equal(t, "/base/graphql", got.URL.Path)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "SomeQuery", got.Header.Get("X-ExperimentalApi"))
	assert.Equal(t, "ua/1", got.Header.Get("User-Agent"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	user, pass, ok := got.BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "bot@example.com", user)
	assert.Equal(t, "tok3n", pass)
	assert.Equal(t, `{"query":"q"}`, string(body))
}

// Without an email, authentication is the HTTP client's (an authenticator extension).
func TestPostWithoutEmailSendsNoBasicAuth(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, err := New(srv.Client(), srv.URL, "", "", nil, 1<<10)
	require.NoError(t, err)
	_, err = c.Post(context.Background(), []byte(`{}`), &bytes.Buffer{})
	require.NoError(t, err)
	assert.Empty(t, auth)
}

func TestPostRefusalsAndBodies(t *testing.T) {
	status, reply := http.StatusTooManyRequests, `{"message":"slow down, tok3n"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(reply))
	}))
	defer srv.Close()
	c, err := New(srv.Client(), srv.URL, "bot@example.com", "tok3n", nil, 64)
	require.NoError(t, err)

	_, err = c.Post(context.Background(), nil, &bytes.Buffer{})
	se, ok := apierror.AsStatusError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, http.StatusTooManyRequests, se.StatusCode)
	assert.Equal(t, 7*time.Second, se.RetryAfter)
	assert.NotContains(t, se.Reason, "tok3n", "the token never reaches an error")

	status, reply = http.StatusOK, string(bytes.Repeat([]byte("x"), 65))
	_, err = c.Post(context.Background(), nil, &bytes.Buffer{})
	var bad *apierror.BadBodyError
	require.ErrorAs(t, err, &bad)
	assert.ErrorIs(t, err, apierror.ErrBodyTooLarge)
}
