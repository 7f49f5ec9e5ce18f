package forgemetricsreceiver

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
)

// Every simulated point is delivered once, across a clean restart, with the account's budget of
// five calls a minute shared by both apps.
func TestReceiverDeliversEveryPointOnceAcrossARestart(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 5)
	cfg := testConfig(srv.URL)
	host := storedProgress(t, cfg)
	start := func(sink *consumertest.MetricsSink) component.Component {
		return receivers.Start(t, cfg, host, sink, clock)
	}
	first, second := clock.RunAcrossARestart(start, start, simNow.Add(10*time.Minute), 15*time.Minute)

	// The first window starts at now - initial_lookback; by now the apps have caught up to
	// within delay + collection_interval.
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireEachOnce(t, got, expectedKeys(sim, cfg, simNow.Add(-cfg.InitialLookback), caughtUpTo(clock, cfg)))

	for _, r := range sim.Requests() {
		if r.API == "metrics" {
			require.Equal(t, http.StatusOK, r.Status, "%+v", r)
			require.LessOrEqual(t, r.End.Sub(r.Start), 15*time.Minute)
		}
	}
	calls := receiverharness.RequestTimes(sim, "metrics")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), 5, "five calls a minute for the account, both apps together")
}

// An app's checkpoint is the app's, however its id is written: listed by its bare id and, after
// a restart, by its ARI, it resumes where it stopped, delivering nothing twice and skipping nothing.
func TestReceiverResumesAnAppWhoseIDIsNowWrittenAsItsARI(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	host, storageID := receiverharness.StorageHost(t)
	configWithID := func(id string) *Config {
		cfg := oneAppConfig(srv.URL)
		cfg.Apps[0].AppID = id
		cfg.StorageID = storageID
		return cfg
	}

	cfg := configWithID("ari:cloud:ecosystem::app/app-2")
	first, second := clock.RunAcrossARestart(func(sink *consumertest.MetricsSink) component.Component {
		return receivers.Start(t, configWithID("app-2"), host, sink, clock)
	}, func(sink *consumertest.MetricsSink) component.Component {
		return receivers.Start(t, cfg, host, sink, clock)
	}, simNow.Add(10*time.Minute), 20*time.Minute)

	want := expectedKeys(sim, cfg, simNow.Add(-cfg.InitialLookback), caughtUpTo(clock, cfg))
	require.NotEmpty(t, want)
	got := pointKeys(t, append(first.AllMetrics(), second.AllMetrics()...))
	receiverharness.RequireNoneTwice(t, got)
	receiverharness.RequireEachOnce(t, got, want)
}
