package forgelogsreceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// A deleted environment's logs are refused until the next listing drops it; once its stream
// stopped, its refusal no longer holds the component's status, which is OK again.
func TestReceiverClearsTheRefusalOfAVanishedEnvironment(t *testing.T) {
	sim := newLiveSim(t, map[string][]string{"app-1": {"env-prod", "env-gone"}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("environmentId") == "env-gone" {
			http.Error(w, `{"message":"Environment env-gone not found"}`, http.StatusNotFound)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := discoveringLogsConfig(srv.URL, AppConfig{AppID: "app-1"})
	host := statustest.NewHost()
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, &consumertest.LogsSink{})
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), host))
	t.Cleanup(func() { _ = rcv.Shutdown(context.Background()) })

	last := func() *componentstatus.Event {
		events := host.Events()
		if len(events) == 0 {
			return nil
		}
		return events[len(events)-1]
	}
	require.Eventually(t, func() bool {
		ev := last()
		return ev != nil && ev.Status() == componentstatus.StatusRecoverableError && strings.Contains(ev.Err().Error(), "env-gone")
	}, eventually, 10*time.Millisecond)

	sim.RemoveEnvironment("app-1", "env-gone")
	require.Eventually(t, func() bool {
		ev := last()
		return ev != nil && ev.Status() == componentstatus.StatusOK
	}, eventually, 10*time.Millisecond, "the vanished environment's refusal still holds the status")
	require.NoError(t, rcv.Shutdown(context.Background()))
}
