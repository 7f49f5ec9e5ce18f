package forgelogsreceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// A 429 for one stream pauses every stream of its app.
func TestStream429PausesEveryStreamOfTheApp(t *testing.T) {
	h := newHarness(t)
	var throttledAt atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("environmentId") == testEnv && throttledAt.Load() == nil {
			throttledAt.Store(h.clock.Now())
			w.Header().Set("Retry-After", "45")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	a := h.newStream(h.spec(testEnv), &consumertest.LogsSink{})
	b := h.newStream(h.spec("env-2"), &consumertest.LogsSink{})
	h.clock.SetParticipants(2)
	ctx, cancel := context.WithCancel(context.Background())
	h.clock.StopAt(h.clock.Now().Add(5*time.Minute), cancel)
	var wg sync.WaitGroup
	for _, s := range []*stream{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(ctx)
		}()
	}
	wg.Wait()

	at := throttledAt.Load().(time.Time)
	var after []forgesim.Request
	for _, r := range h.sim.Requests() {
		if r.Time.After(at) || r.Time.Equal(at) {
			after = append(after, r)
		}
	}
	require.NotEmpty(t, after)
	for _, r := range after {
		require.GreaterOrEqual(t, r.Time.Sub(at), 45*time.Second, "request of %s during the app's pause", r.EnvironmentID)
	}
}
