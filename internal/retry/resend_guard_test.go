package retry

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type resendConnKey struct{}

// replayableGet sends a GET that Go's transport may send again by itself, as any request does
// that did not go through wire.NoReplay.
func replayableGet(client *http.Client, url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
}

// A request that the transport sent twice reached the API twice: the Caller counts both, the
// first as unanswered, and charges the budget for the one it did not ask for.
func TestCallChargesAndCountsTheTransportsResends(t *testing.T) {
	var received atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		if r.Context().Value(resendConnKey{}).(*atomic.Int64).Add(1) > 1 {
			// A reused connection closes after reading the request; the transport re-sends it.
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
			}
		}
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, resendConnKey{}, &atomic.Int64{})
	}
	srv.Start()
	t.Cleanup(srv.Close)
	f := newFixture(30)
	ctx := context.Background()

	require.NoError(t, f.caller.Do(ctx, replayableGet(srv.Client(), srv.URL), nil))
	require.NoError(t, f.caller.Do(ctx, replayableGet(srv.Client(), srv.URL), nil))
	require.Equal(t, int64(3), received.Load(), "the second call reached the API twice")
	assert.Equal(t, []int{200, 0, 200}, f.observer.statuses, "every request the API received is counted")

	// The second call took its turn at 2.04 s and the re-send the turn after it: the next
	// request waits for both.
	require.Equal(t, epoch.Add(2040*time.Millisecond), f.clock.Now())
	waited, err := f.caller.Budget.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2*2040*time.Millisecond, waited)
}
