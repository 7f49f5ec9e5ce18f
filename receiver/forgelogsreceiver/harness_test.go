package forgelogsreceiver

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/poller"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadatatest"
)

const (
	testApp   = "app-1"
	testEnv   = "env-1"
	testEmail = "sim@example.com"
	testToken = "sim-token"
)

// harness runs streams against the simulator on a fake clock.
type harness struct {
	t     testing.TB
	clock *clocktest.Fake
	sim   *forgesim.Server
	srv   *httptest.Server
	store checkpoint.Store
	tel   *componenttest.Telemetry
	host  *statustest.Host
	logs  *observer.ObservedLogs
	// budget and status are shared by the streams of one harness, as by the streams of one app.
	budget *budget.Budget
	status *status.Streams
	// start is where a stream without checkpoint begins.
	start time.Time
	// configure, when set, changes the configuration of the streams made after it was set.
	configure func(*Config)
	// streamsOfApp is how many streams of the app share its budget, for their pace; 1 when unset.
	streamsOfApp int
}

type harnessOption func(*forgesim.Config)

func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	// A whole second, so that records fall exactly on window boundaries.
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := clocktest.NewFake(now)
	cfg := forgesim.Config{
		Email: testEmail, Token: testToken,
		Apps:             map[string][]string{testApp: {testEnv, "env-2"}},
		Origin:           now.Add(-6 * time.Hour),
		RecordsPerSecond: 0.3, // a group of 3 every 10s
		PageSize:         200,
		Sites:            []string{"site-a", "site-b", "site-c"},
		// The fake clock keeps the receiver's budget; the simulator checks it.
		RequestsPerMinute: 30,
		Now:               clock.Now,
		Seed:              7,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	sim := forgesim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	return &harness{
		t: t, clock: clock, sim: sim, srv: srv, store: checkpoint.NewMemoryStore(), tel: tel,
		host:  statustest.NewHost(),
		start: now.Add(-3 * time.Hour),
	}
}

func (h *harness) spec(env string) streamSpec {
	q := logsapi.Query{AppID: testApp, EnvironmentID: env}
	return streamSpec{
		key: "stream/" + testApp + "/" + env + "/0", query: q, queryHash: hashQuery(q),
		resource: logsapi.Resource{ServiceName: testApp, AppID: testApp, EnvironmentID: env},
	}
}

// ceilingJitter takes no randomness out of a backoff: every wait is its ceiling, on every run.
func ceilingJitter(d time.Duration) time.Duration { return d }

func (h *harness) newStream(spec streamSpec, next consumer.Logs) *stream {
	h.t.Helper()
	settings := metadatatest.NewSettings(h.tel)
	core, logs := observer.New(zap.DebugLevel)
	h.logs = logs
	settings.Logger = zap.New(core)
	client, err := logsapi.NewClient(h.srv.Client(), h.srv.URL, testEmail, testToken, "", 0)
	require.NoError(h.t, err)
	telemetry, err := metadata.NewTelemetryBuilder(settings.TelemetrySettings)
	require.NoError(h.t, err)
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{ReceiverID: settings.ID, Transport: "http", ReceiverCreateSettings: settings})
	require.NoError(h.t, err)
	if h.budget == nil {
		h.budget = budget.New(h.clock, 30)
	}
	if h.status == nil {
		h.status = status.New(h.host)
	}
	tel := newStreamTelemetry(telemetry, spec.query.AppID, spec.query.EnvironmentID)
	rt := &poller.Runtime{
		Clock: h.clock, Jitter: ceilingJitter, Transient: backoff.Transient, Refused: backoff.Refused,
		Pool: pages.NewPool(2, 2), Store: h.store, Status: h.status, ObsReport: obsrecv,
	}
	cfg := &Config{Delay: time.Minute, PollInterval: time.Minute, InitialLookback: h.clock.Now().Sub(h.start), RequestsPerMinute: 30}
	if h.configure != nil {
		h.configure(cfg)
	}
	specs := make([]streamSpec, max(h.streamsOfApp, 1))
	for i := range specs {
		specs[i] = spec
	}
	plan := cfg.appPlans(specs)[spec.query.AppID]
	return &stream{
		walk: poller.Walk(rt, plan, spec.key, spec.queryHash, h.budget, tel, rt.LogsSink(next, dataFormat), settings.Logger),
		source: &source{
			spec: spec, plan: plan, fetcher: client, pool: rt.Pool, scope: logsapi.Scope{Name: metadata.ScopeName, Version: "test"},
			tel: tel, clock: h.clock, logger: settings.Logger,
		},
		tel: tel,
	}
}

// runFor runs s until the fake clock has moved d, or the stream stops by itself.
func (h *harness) runFor(s *stream, d time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.clock.StopAt(h.clock.Now().Add(d), cancel)
	s.run(ctx)
}

// committed returns where the stream's checkpoint says the next window starts.
func (h *harness) committed(spec streamSpec) checkpoint.State {
	state, found, err := h.store.Load(context.Background(), spec.key)
	require.NoError(h.t, err)
	require.True(h.t, found)
	return state
}

// expectedIDs lists the invocation ids the simulator serves for env from start up to end,
// end's millisecond included, as its end bound is inclusive.
func (h *harness) expectedIDs(env string, start, end time.Time) []string {
	var ids []string
	for _, r := range h.sim.Visible(testApp, env, start, end.Add(time.Millisecond-1)) {
		ids = append(ids, forgesim.InvocationID(env, r.Index))
	}
	return ids
}

// invocationIDs counts each record of logs by its invocationId attribute.
func invocationIDs(all []plog.Logs) map[string]int {
	counts := map[string]int{}
	for _, logs := range all {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			sls := logs.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					id, _ := lrs.At(k).Attributes().Get("invocationId")
					counts[id.Str()]++
				}
			}
		}
	}
	return counts
}

// requireExactlyOnce checks that got holds every id of want once and nothing else.
func requireExactlyOnce(t *testing.T, want []string, got map[string]int) {
	t.Helper()
	require.NotEmpty(t, want)
	for id, n := range got {
		require.Equalf(t, 1, n, "record %s delivered %d times", id, n)
	}
	missing := 0
	for _, id := range want {
		if got[id] == 0 {
			missing++
		}
	}
	require.Zerof(t, missing, "%d of %d records never delivered", missing, len(want))
	require.Len(t, got, len(want), "records delivered that the simulator did not serve")
}
