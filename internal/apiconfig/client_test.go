package apiconfig

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/forgelogs/otelcol-forge/internal/pages"
)

// A busy receiver keeps its connections: after a round of concurrent requests to one host, the
// next round reuses every connection instead of opening new ones (Go's default keeps 2).
func TestDefaultClientConfigKeepsConnectionsOfConcurrentRequests(t *testing.T) {
	const concurrent = 20
	require.Less(t, concurrent, pages.DefaultRequests)
	var opened atomic.Int64
	arrived := make(chan struct{}, concurrent)
	release := make(chan struct{})
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-release
		_, _ = w.Write([]byte("{}"))
	}))
	server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			opened.Add(1)
		}
	}
	server.Start()
	defer server.Close()

	cfg := DefaultClientConfig()
	cfg.Endpoint = server.URL
	client, err := cfg.ToClient(context.Background(), nil, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	defer client.CloseIdleConnections()

	// round sends concurrent requests that are all in flight at once, so each needs a connection.
	round := func() {
		var wg sync.WaitGroup
		for range concurrent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := client.Get(server.URL)
				if assert.NoError(t, err) {
					_, _ = io.Copy(io.Discard, resp.Body) // a connection is reused once its answer was read
					_ = resp.Body.Close()
				}
			}()
		}
		for range concurrent {
			<-arrived
		}
		for range concurrent {
			release <- struct{}{}
		}
		wg.Wait()
	}
	round()
	require.EqualValues(t, concurrent, opened.Load())
	round()
	assert.EqualValues(t, concurrent, opened.Load(), "the second round opened new connections")
}
