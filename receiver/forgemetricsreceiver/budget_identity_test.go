package forgemetricsreceiver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
)

// basicAuthenticator is an auth extension that signs every request with an account's Basic auth,
// as a user who keeps the token in an authenticator configures it.
type basicAuthenticator struct {
	component.StartFunc
	component.ShutdownFunc
	email, token string
}

func (a basicAuthenticator) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		req = req.Clone(req.Context())
		req.SetBasicAuth(a.email, a.token)
		return base.RoundTrip(req)
	}), nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// extensionsHost is a host that offers the given extensions.
type extensionsHost map[component.ID]component.Component

func (h extensionsHost) GetExtensions() map[component.ID]component.Component { return h }

// metricsCalls are the times of the calls to the metrics API the simulator answered.
func metricsCalls(sim *forgesim.Server) []time.Time {
	var calls []time.Time
	for _, r := range sim.Requests() {
		if r.API == "metrics" {
			calls = append(calls, r.Time)
		}
	}
	return calls
}

// With an authenticator the receiver cannot know the account; its apps still belong to one
// account, so they draw from one budget: the receiver's own, never one per app.
func TestReceiverWithAnAuthenticatorHasOneBudgetForItsApps(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Email, cfg.APIToken = "", ""
	authID := component.MustNewID("basicauth")
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"auth": map[string]any{"authenticator": authID.String()}}).Unmarshal(cfg))
	require.True(t, cfg.Auth.HasValue())
	cfg.InitialLookback = 6 * time.Hour // 24 windows behind each app: more than 10 minutes of budget
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT"}
	host := extensionsHost{authID: basicAuthenticator{email: testEmail, token: testToken}}
	sink := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, cfg, host, sink, clock), clock, simNow.Add(10*time.Minute))

	calls := metricsCalls(sim)
	for _, r := range sim.Requests() {
		require.Equal(t, http.StatusOK, r.Status, "the authenticator's credentials were sent: %+v", r)
	}
	assert.Positive(t, sink.DataPointCount())
	require.Greater(t, len(calls), 45, "both apps were behind: the budget was saturated (50 calls at most)")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), cfg.RequestsPerMinute, "one budget for both apps")
}

// The API counts calls per account, and an email address names its account whatever the case
// of its letters: two receivers whose emails differ only in case share one budget.
func TestReceiversWithOneAccountInOtherLetterCaseShareItsBudget(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken,
		Accounts: map[string]string{"Sim@EXAMPLE.com": testToken},
		Apps:     map[string][]string{"app-1": {"env-1", "env-2"}, "app-2": {"env-3"}},
		Origin:   simNow.Add(-24 * time.Hour),
		Now:      clock.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	holdTime(clock, 2)
	var receivers []*metricsReceiver
	for i, email := range []string{testEmail, "Sim@EXAMPLE.com"} {
		cfg := testConfig(srv.URL)
		cfg.Apps = cfg.Apps[i : i+1]
		cfg.Email = email
		cfg.InitialLookback = 6 * time.Hour
		cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT"}
		require.NoError(t, cfg.Validate())
		set := settings
		set.ID = component.MustNewIDWithName(metadata.Type.String(), fmt.Sprint(i))
		rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, &consumertest.MetricsSink{})
		require.NoError(t, err)
		r := rcv.(*metricsReceiver)
		r.rt.Clock, r.rt.Jitter = clock, ceilingJitter
		require.NoError(t, r.Start(context.Background(), extensionsHost{}))
		receivers = append(receivers, r)
	}
	stopped := make(chan struct{})
	clock.StopAt(simNow.Add(10*time.Minute), func() { close(stopped) })
	clock.SetParticipants(2)
	<-stopped
	for _, r := range receivers {
		require.NoError(t, r.Shutdown(context.Background()))
	}

	accounts := map[string]int{}
	for _, r := range sim.Requests() {
		require.Equal(t, http.StatusOK, r.Status, "%+v", r)
		accounts[r.Account]++
	}
	require.Len(t, accounts, 2, "each receiver called with its own spelling: %v", accounts)
	calls := metricsCalls(sim)
	require.Greater(t, len(calls), 45, "both apps were behind: the budget was saturated (50 calls at most)")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), 5)
}

// An app's checkpoint is the app's, however its id is written: listed by its bare id and, after
// a restart, by its ARI, it resumes where it stopped, delivering nothing twice and skipping nothing.
func TestReceiverResumesAnAppWhoseIDIsNowWrittenAsItsARI(t *testing.T) {
	clock := clocktest.NewFake(simNow)
	sim, srv := newSim(t, clock, 0)
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	storageID := storagetest.NewStorageID("forge")
	configWithID := func(id string) *Config {
		cfg := oneAppConfig(srv.URL)
		cfg.Apps[0].AppID = id
		cfg.StorageID = &storageID
		return cfg
	}

	first := &consumertest.MetricsSink{}
	runUntil(t, startReceiver(t, configWithID("app-2"), host, first, clock), clock, simNow.Add(10*time.Minute))
	require.Positive(t, first.DataPointCount())
	second := &consumertest.MetricsSink{}
	cfg := configWithID("ari:cloud:ecosystem::app/app-2")
	runUntil(t, startReceiver(t, cfg, host, second, clock), clock, clock.Now().Add(20*time.Minute))
	require.Positive(t, second.DataPointCount(), "the restarted receiver delivered new windows")

	caughtUp := clock.Now().Add(-cfg.Delay - cfg.CollectionInterval).Truncate(time.Minute)
	want := expectedKeys(sim, cfg, simNow.Add(-cfg.InitialLookback), caughtUp)
	require.NotEmpty(t, want)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	for key, n := range got {
		require.Equal(t, 1, n, "point %s delivered %d times", key, n)
	}
	for key := range want {
		require.Equal(t, 1, got[key], "point %s", key)
	}
}
