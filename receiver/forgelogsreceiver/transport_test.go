package forgelogsreceiver

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

func newTestSim() *forgesim.Server {
	return forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken,
		Apps:   map[string][]string{"app-1": {"env-1"}},
		Origin: time.Now().Add(-time.Hour), RecordsPerSecond: 1,
	})
}

// TLS settings reach the HTTP client through confighttp: the receiver trusts a private CA.
func TestReceiverUsesTLSSettings(t *testing.T) {
	srv := httptest.NewTLSServer(newTestSim())
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(caFile, cert, 0o600))

	cfg := testConfig(srv.URL, 30)
	cfg.Apps = []AppConfig{{AppID: "app-1", Environments: []EnvironmentConfig{{ID: "env-1"}}}}
	cfg.TLS.CAFile = caFile
	sink := newFirstDelivery()
	clock := clocktest.NewFake(time.Now())
	rcv := startReceiver(t, cfg, componenttest.NewNopHost(), sink, clock)
	clock.SetParticipants(len(streamSpecs(cfg))) // time goes to the stream's first turn
	<-sink.delivered
	require.NoError(t, rcv.Shutdown(context.Background()))
}

// proxy_url reaches the HTTP client through confighttp: every request goes through the proxy.
func TestReceiverUsesProxySettings(t *testing.T) {
	api := newTestSim()
	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forward proxy sees the absolute URL of the API.
		if r.URL.IsAbs() && r.URL.Host == "forge.invalid" {
			proxied.Add(1)
			api.ServeHTTP(w, r)
			return
		}
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer proxy.Close()

	// Validate would refuse http:// for a host that is not loopback; only the transport is under test.
	cfg := testConfig("http://forge.invalid", 30)
	cfg.Apps = []AppConfig{{AppID: "app-1", Environments: []EnvironmentConfig{{ID: "env-1"}}}}
	cfg.ProxyURL = proxy.URL
	sink := newFirstDelivery()
	rcv, err := NewFactory().CreateLogs(context.Background(), settings, cfg, sink)
	require.NoError(t, err)
	rcv.(*forgeReceiver).rt.Clock = clocktest.NewFake(time.Now()) // its one stream lets time go
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	<-sink.delivered
	require.NoError(t, rcv.Shutdown(context.Background()))
	assert.Positive(t, proxied.Load())
}

// firstDelivery is a sink that says when the first records arrived.
type firstDelivery struct {
	consumertest.LogsSink
	once      sync.Once
	delivered chan struct{}
}

func newFirstDelivery() *firstDelivery { return &firstDelivery{delivered: make(chan struct{})} }

func (f *firstDelivery) ConsumeLogs(ctx context.Context, logs plog.Logs) error {
	err := f.LogsSink.ConsumeLogs(ctx, logs)
	if logs.LogRecordCount() > 0 {
		f.once.Do(func() { close(f.delivered) })
	}
	return err
}
