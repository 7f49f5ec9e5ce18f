package wire

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type connKey struct{}

// closingServer answers the first request of each connection and closes a reused connection
// right after reading its request, as a load balancer that times out idle connections can.
func closingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var received atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		if r.Context().Value(connKey{}).(*atomic.Int64).Add(1) > 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, &atomic.Int64{})
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &received
}

func get(t *testing.T, client *http.Client, url string, noReplay bool) (int, error) {
	ctx, counter := Count(context.Background(), nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	require.NoError(t, err)
	if noReplay {
		NoReplay(req)
	}
	resp, err := client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return counter.Written(), err
}

func TestNoReplayStopsTheTransportsSilentResend(t *testing.T) {
	srv, received := closingServer(t)
	client := srv.Client()

	written, err := get(t, client, srv.URL, true)
	require.NoError(t, err)
	assert.Equal(t, 1, written)
	written, err = get(t, client, srv.URL, true)
	require.Error(t, err, "the closed connection is reported, not retried behind the caller's back")
	assert.Equal(t, 1, written)
	assert.Equal(t, int64(2), received.Load())
}

// Without NoReplay net/http sends the second request twice; Count still sees both.
func TestCountSeesTheTransportsSilentResend(t *testing.T) {
	srv, received := closingServer(t)
	client := srv.Client()

	_, err := get(t, client, srv.URL, false)
	require.NoError(t, err)
	written, err := get(t, client, srv.URL, false)
	require.NoError(t, err, "the re-send on a new connection succeeded")
	assert.Equal(t, 2, written)
	assert.Equal(t, int64(3), received.Load())
}

func TestNoReplaySendsNoBody(t *testing.T) {
	var length atomic.Int64
	var chunked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		length.Store(r.ContentLength)
		chunked.Store(len(r.TransferEncoding) > 0)
	}))
	t.Cleanup(srv.Close)
	_, err := get(t, srv.Client(), srv.URL, true)
	require.NoError(t, err)
	assert.Zero(t, length.Load())
	assert.False(t, chunked.Load())
}

// answered is called once the answer begins, not when the request leaves.
func TestCountCallsAnsweredAtTheAnswersFirstByte(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(arrived)
		<-release
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	var answers atomic.Int64
	ctx, _ := Count(context.Background(), func() { answers.Add(1) })
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, http.NoBody)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := srv.Client().Do(req)
		if assert.NoError(t, err) {
			_ = resp.Body.Close()
		}
	}()
	<-arrived
	assert.Zero(t, answers.Load(), "the request arrived, no answer yet")
	close(release)
	<-done
	assert.EqualValues(t, 1, answers.Load())
}
