package forgemetricsreceiver

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
)

// The API counts calls per account: two receivers of one collector with the same account draw
// from one budget of five calls a minute.
func TestReceiversWithOneAccountShareItsBudget(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	clock.RunOneReceiverPerApp(metadata.Type, simNow.Add(10*time.Minute), func(app AppConfig, set receiver.Settings) component.Component {
		cfg := testConfig(srv.URL)
		cfg.Apps = []AppConfig{app}
		cfg.InitialLookback = 6 * time.Hour // 24 windows behind each: more than the 10 minutes of budget below
		r := receivers.Create(t, cfg, set, &consumertest.MetricsSink{}, clock)
		clock.Start(r, 1, componenttest.NewNopHost())
		return r
	})

	// Both apps were behind: 49 calls at most in 10 minutes of a saturated budget.
	receiverharness.RequireSaturatedBudget(t, receiverharness.RequestTimes(sim, "metrics"), 45, 5)
}

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

// With an authenticator the receiver cannot know the account; its apps still belong to one
// account, so they draw from one budget: the receiver's own, never one per app.
func TestReceiverWithAnAuthenticatorHasOneBudgetForItsApps(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	cfg := testConfig(srv.URL)
	cfg.Email, cfg.APIToken = "", ""
	authID := component.MustNewID("basicauth")
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"auth": map[string]any{"authenticator": authID.String()}}).Unmarshal(cfg))
	require.True(t, cfg.Auth.HasValue())
	cfg.InitialLookback = 6 * time.Hour // 24 windows behind each app: more than 10 minutes of budget
	cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT"}
	host := extensionsHost{authID: basicAuthenticator{email: receiverharness.Email, token: receiverharness.Token}}
	sink := &consumertest.MetricsSink{}
	clock.RunUntil(receivers.Start(t, cfg, host, sink, clock), simNow.Add(10*time.Minute))

	for _, r := range sim.Requests() {
		require.Equal(t, http.StatusOK, r.Status, "the authenticator's credentials were sent: %+v", r)
	}
	assert.Positive(t, sink.DataPointCount())
	// Both apps were behind: 50 calls at most in 10 minutes of one saturated budget.
	receiverharness.RequireSaturatedBudget(t, receiverharness.RequestTimes(sim, "metrics"), 45, cfg.RequestsPerMinute)
}

// The API counts calls per account, and an email address names its account whatever the case
// of its letters: two receivers whose emails differ only in case share one budget.
func TestReceiversWithOneAccountInOtherLetterCaseShareItsBudget(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := receiverharness.Sim(t, forgesim.Config{
		Accounts: map[string]string{"Sim@EXAMPLE.com": receiverharness.Token},
		Apps:     map[string][]string{"app-1": {"env-1", "env-2"}, "app-2": {"env-3"}},
		Origin:   simNow.Add(-24 * time.Hour),
		Now:      clock.Now,
	})
	var started []*metricsReceiver
	for i, email := range []string{receiverharness.Email, "Sim@EXAMPLE.com"} {
		cfg := testConfig(srv.URL)
		cfg.Apps = cfg.Apps[i : i+1]
		cfg.Email = email
		cfg.InitialLookback = 6 * time.Hour
		cfg.Metrics = []string{"FORGE_BACKEND_INVOCATION_COUNT"}
		r := receivers.Create(t, cfg, receiverharness.Settings(metadata.Type, fmt.Sprint(i)), &consumertest.MetricsSink{}, clock)
		clock.Start(r, 1, extensionsHost{})
		started = append(started, r)
	}
	clock.RunTo(simNow.Add(10 * time.Minute))
	for _, r := range started {
		clock.Stop(r)
	}

	accounts := map[string]int{}
	for _, r := range sim.Requests() {
		require.Equal(t, http.StatusOK, r.Status, "%+v", r)
		accounts[r.Account]++
	}
	require.Len(t, accounts, 2, "each receiver called with its own spelling: %v", accounts)
	receiverharness.RequireSaturatedBudget(t, receiverharness.RequestTimes(sim, "metrics"), 45, 5)
}
