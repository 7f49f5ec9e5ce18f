package forgelogsreceiver

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// A 404 in the middle of a window (the API lost the cursor's page for a while) is a refusal
// retried slowly; it never ends the window: once the API answers again, every record of the window
// is delivered, once.
func TestStreamRetriesA404InTheMiddleOfAWindowAndRecovers(t *testing.T) {
	h := newHarness(t)
	var notFound atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") != "" && notFound.Load() < 2 {
			notFound.Add(1)
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Not Found"}`))
			return
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 30*time.Minute)

	require.Equal(t, int64(2), notFound.Load())
	committed := h.committed(spec)
	require.True(t, committed.WindowStart.After(h.start.Add(time.Hour)), "the stream went past the window of the 404s")
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, committed.WindowStart), invocationIDs(sink.AllLogs()))
	statuses := h.host.Statuses()
	require.NotEmpty(t, statuses)
	assert.Equal(t, componentstatus.StatusRecoverableError, statuses[0])
	assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1])
	assert.Equal(t, 2, h.logs.FilterMessageSnippet("API refused the request").Len())
}
