package logsapi

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type guardConnKey struct{}

// Go's transport re-sends a GET on its own when a reused keep-alive connection closes before the
// answer; the API would count both. Fetch must report the closed connection instead, so that the
// receiver decides about the retry and charges its budget for it.
func TestFetchNeverLetsTheTransportResend(t *testing.T) {
	var received atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		if r.Context().Value(guardConnKey{}).(*atomic.Int64).Add(1) > 1 {
			// The second request of a connection: close it after reading the request.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		_, _ = w.Write([]byte(`{"appLogs":[]}`))
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, guardConnKey{}, &atomic.Int64{})
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.Client(), srv.URL, "a@example.com", "token", "", 0)
	require.NoError(t, err)

	slot, err := c.Fetch(context.Background(), someQuery, "", testPool)
	require.NoError(t, err)
	slot.Release()
	_, err = c.Fetch(context.Background(), someQuery, "", testPool)
	require.Error(t, err, "the closed connection is the receiver's to retry")
	assert.Equal(t, int64(2), received.Load(), "no request was sent again behind the receiver's back")
}
