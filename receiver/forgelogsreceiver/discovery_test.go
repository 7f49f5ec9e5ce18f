package forgelogsreceiver

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// Discovery starts and stops streams as environments come and go, so these tests run on the wall
// clock, with intervals of a second, and wait for what the receiver delivers and logs.
const eventually = 20 * time.Second

func newLiveSim(t *testing.T, apps map[string][]string) *forgesim.Server {
	t.Helper()
	sim := forgesim.New(forgesim.Config{
		Email: testEmail, Token: testToken, Apps: apps,
		Origin: time.Now().Add(-time.Hour), RecordsPerSecond: 2, PageSize: 500,
	})
	return sim
}

func discoveringLogsConfig(endpoint string, apps ...AppConfig) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.Email, cfg.APIToken = testEmail, configopaque.String(testToken)
	cfg.PollInterval, cfg.Delay, cfg.DiscoveryInterval = time.Second, time.Second, time.Second
	cfg.InitialLookback = 2 * time.Minute
	cfg.RequestsPerMinute = 6000
	cfg.Apps = apps
	return cfg
}

// recordsOf returns the delivered records of env by invocation id, with their resources.
func recordsOf(all []plog.Logs, env string) (ids map[string]int, names map[string]bool, earliest time.Time) {
	ids, names = map[string]int{}, map[string]bool{}
	for _, logs := range all {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			rl := logs.ResourceLogs().At(i)
			attrs := rl.Resource().Attributes()
			if id, _ := attrs.Get("forge.environment.id"); id.Str() != env {
				continue
			}
			name, _ := attrs.Get("deployment.environment.name")
			names[name.Str()] = true
			lrs := rl.ScopeLogs().At(0).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				id, _ := lrs.At(k).Attributes().Get("invocationId")
				ids[id.Str()]++
				if ts := lrs.At(k).Timestamp().AsTime(); earliest.IsZero() || ts.Before(earliest) {
					earliest = ts
				}
			}
		}
	}
	return ids, names, earliest
}

func TestReceiverPollsEveryDiscoveredEnvironmentAsItComesAndGoes(t *testing.T) {
	sim := newLiveSim(t, map[string][]string{"app-1": {"env-prod", "env-staging"}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := discoveringLogsConfig(srv.URL, AppConfig{AppID: "app-1", ServiceName: "first-app"})
	core, logs := observer.New(zap.InfoLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := &consumertest.LogsSink{}
	require.NoError(t, cfg.Validate())
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), statustest.NewHost()))
	t.Cleanup(func() { _ = rcv.Shutdown(context.Background()) })

	has := func(env string) func() bool {
		return func() bool { ids, _, _ := recordsOf(sink.AllLogs(), env); return len(ids) > 0 }
	}
	require.Eventually(t, has("env-prod"), eventually, 10*time.Millisecond)
	require.Eventually(t, has("env-staging"), eventually, 10*time.Millisecond)

	// A developer creates an environment: it is polled without a restart, from initial_lookback.
	added := time.Now()
	sim.AddEnvironment("app-1", "env-dev-bob", "DEVELOPMENT")
	require.Eventually(t, has("env-dev-bob"), eventually, 10*time.Millisecond)
	// An environment is deleted: its stream stops.
	sim.RemoveEnvironment("app-1", "env-staging")
	require.Eventually(t, func() bool {
		return logs.FilterMessage("Environment no longer listed; polling stops and its checkpoint is kept").Len() == 1
	}, eventually, 10*time.Millisecond)
	listings := func() int {
		n := 0
		for _, r := range sim.Requests() {
			if r.API == "environments" {
				n++
			}
		}
		return n
	}
	// The watcher stops the stream before its next listing; after that listing nothing asks for
	// the deleted environment any more.
	after := listings()
	require.Eventually(t, func() bool { return listings() >= after+1 }, eventually, 10*time.Millisecond)
	stoppedAt := time.Now()
	require.Eventually(t, func() bool { return listings() >= after+3 }, eventually, 10*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	for _, r := range sim.Requests() {
		if r.API == "logs" {
			if r.EnvironmentID == "env-staging" {
				assert.True(t, r.Time.Before(stoppedAt), "env-staging asked for after its stream stopped: %+v", r)
			}
		}
	}
	all := sink.AllLogs()
	for _, env := range []string{"env-prod", "env-staging", "env-dev-bob"} {
		ids, names, _ := recordsOf(all, env)
		assert.Equal(t, map[string]bool{env: true}, names, "deployment.environment.name is the environment's key")
		for id, n := range ids {
			require.Equal(t, 1, n, "record %s of %s delivered %d times", id, env, n)
		}
	}
	// The new environment started initial_lookback before the listing that found it.
	var listed time.Time
	for _, r := range sim.Requests() {
		if r.API == "environments" && r.Time.After(added) {
			listed = r.Time
			break
		}
	}
	ids, _, earliest := recordsOf(all, "env-dev-bob")
	assert.WithinRange(t, earliest, listed.Add(-cfg.InitialLookback-time.Second), listed.Add(-cfg.InitialLookback+5*time.Second))
	for _, r := range sim.Visible("app-1", "env-dev-bob", earliest, added.Add(-10*time.Second)) {
		require.Equal(t, 1, ids[forgesim.InvocationID("env-dev-bob", r.Index)], "record %d of the new environment", r.Index)
	}
	assert.Equal(t, 1, logs.FilterMessage("Environment discovered; polling it").FilterField(zap.String("environment_id", "env-dev-bob")).Len())
}

// An app whose environments cannot be listed polls nothing and reports a recoverable status; the
// other apps go on.
func TestReceiverDiscoveryRefusedBlocksNoOtherApp(t *testing.T) {
	sim := newLiveSim(t, map[string][]string{"app-1": {"env-prod"}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := discoveringLogsConfig(srv.URL,
		AppConfig{AppID: "app-unknown"},
		AppConfig{AppID: "app-1", Environments: []EnvironmentConfig{{ID: "env-prod", Name: "production"}}})
	sink := &consumertest.LogsSink{}
	host := statustest.NewHost()
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), host))
	t.Cleanup(func() { _ = rcv.Shutdown(context.Background()) })

	require.Eventually(t, func() bool { return sink.LogRecordCount() > 0 }, eventually, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		for _, ev := range host.Events() {
			if ev.Status() == componentstatus.StatusRecoverableError && ev.Err() != nil {
				return true
			}
		}
		return false
	}, eventually, 10*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	for _, r := range sim.Requests() {
		if r.API != "environments" {
			assert.NotEqual(t, "app-unknown", r.AppID, "nothing of the undiscovered app is polled: %+v", r)
		}
	}
	var refused bool
	for _, ev := range host.Events() {
		if ev.Err() != nil {
			assert.Contains(t, ev.Err().Error(), "discovery/app-unknown")
			refused = true
		}
	}
	assert.True(t, refused)
}
