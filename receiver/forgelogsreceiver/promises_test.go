package forgelogsreceiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadatatest"
)

// acceptedBeforeCommit checks the checkpoint's invariant at every commit: every record before
// the committed position is already in the sink.
type acceptedBeforeCommit struct {
	checkpoint.Store
	t       *testing.T
	h       *harness
	env     string
	sink    *consumertest.LogsSink
	commits atomic.Int64
}

func (a *acceptedBeforeCommit) Save(ctx context.Context, key string, state checkpoint.State) error {
	a.commits.Add(1)
	var covered []string // a stream saves its first start before reading: that covers nothing
	if state.WindowStart.After(a.h.start) {
		covered = a.h.expectedIDs(a.env, a.h.start, state.WindowStart)
	}
	if state.InProgress() {
		inWindow := a.h.expectedIDs(a.env, state.WindowStart, state.WindowEnd)
		covered = append(covered, inWindow[:state.Offset]...)
	}
	delivered := invocationIDs(a.sink.AllLogs())
	for _, id := range covered {
		if delivered[id] == 0 {
			a.t.Errorf("commit %+v covers record %s, which the pipeline has not accepted", state, id)
			return nil
		}
	}
	return a.Store.Save(ctx, key, state)
}

func (h *harness) checkCommits(t *testing.T, env string, sink *consumertest.LogsSink) *acceptedBeforeCommit {
	a := &acceptedBeforeCommit{Store: h.store, t: t, h: h, env: env, sink: sink}
	h.store = a
	return a
}

// refusingSink accepts only when accept says so, and keeps what it accepted.
type refusingSink struct {
	consumertest.LogsSink
	calls  atomic.Int64
	accept func(call int64) error
}

func (r *refusingSink) ConsumeLogs(ctx context.Context, logs plog.Logs) error {
	if err := r.accept(r.calls.Add(1)); err != nil {
		return err
	}
	return r.LogsSink.ConsumeLogs(ctx, logs)
}

func TestStreamCommitsOnlyWhatThePipelineAccepted(t *testing.T) {
	for name, refuse := range map[string]func(int64) error{
		"accepting pipeline": func(int64) error { return nil },
		"pipeline refusing every other call": func(call int64) error {
			if call%2 == 1 {
				return errors.New("queue full")
			}
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			spec := h.spec(testEnv)
			sink := &refusingSink{accept: refuse}
			commits := h.checkCommits(t, testEnv, &sink.LogsSink)
			h.runFor(h.newStream(spec, sink), 20*time.Minute)
			assert.Greater(t, commits.commits.Load(), int64(10), "pages and windows were committed")
			requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), invocationIDs(sink.AllLogs()))
		})
	}
}

// Stopping while the pipeline keeps refusing a page is no acceptance: nothing is committed.
func TestStreamStoppedWhileThePipelineRefusesCommitsNothing(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	sink := &refusingSink{accept: func(int64) error { return errors.New("queue full") }}
	h.checkCommits(t, testEnv, &sink.LogsSink)
	h.runFor(h.newStream(spec, sink), 10*time.Minute)
	require.Greater(t, sink.calls.Load(), int64(3), "the page was retried")
	state, found, err := h.store.Load(context.Background(), spec.key)
	require.NoError(t, err)
	require.True(t, found, "the stream saved where it starts")
	assert.Equal(t, checkpoint.State{WindowStart: h.start}, state, "no progress for a page the pipeline never accepted")
}

// A crash at any moment loses nothing: before the pipeline accepted a page, the restart reads it
// again; after it accepted but before the commit, the restart repeats that one page only.
func TestStreamCrashLosesNothing(t *testing.T) {
	for _, tt := range []struct {
		name          string
		crashAt       int64
		beforeAccept  bool
		maxDuplicates int
	}{
		{"inside the pipeline, first page", 1, true, 0},
		{"inside the pipeline, fourth page", 4, true, 0},
		{"after acceptance, before the first commit", 1, false, 200},
		{"after acceptance, before the fifth commit", 5, false, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			spec := h.spec(testEnv)
			ctx, cancel := context.WithCancel(context.Background())
			h.clock.StopAt(h.clock.Now().Add(24*time.Hour), cancel)
			first := &refusingSink{accept: func(call int64) error {
				if tt.beforeAccept && call == tt.crashAt {
					cancel() // the process dies while the exporter holds the page
					return errors.New("killed")
				}
				return nil
			}}
			store := h.store
			if !tt.beforeAccept {
				h.store = &crashingStore{Store: store, crashAt: int(tt.crashAt), crash: cancel}
			}
			h.newStream(spec, first).run(ctx)
			h.store = store

			second := &consumertest.LogsSink{}
			h.runFor(h.newStream(spec, second), 30*time.Minute)
			all := invocationIDs(append(first.AllLogs(), second.AllLogs()...))
			duplicates := 0
			for id, n := range all {
				if n > 1 {
					duplicates++
					all[id] = 1
				}
			}
			assert.LessOrEqual(t, duplicates, tt.maxDuplicates)
			requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), all)
		})
	}
}

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

func TestStreamMovesPastA400AtTheRetentionEdgeAndSaysSo(t *testing.T) {
	h := newHarness(t)
	var refused atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused.CompareAndSwap(false, true) {
			// The API's clock runs ahead: it already considers this start older than 14 days.
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"startDate must be within the last 14 days"}`))
			return
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	spec := h.spec(testEnv)
	now := h.clock.Now()
	edge := now.Add(-maxLookback + retentionMargin)
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{WindowStart: edge}))
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), 2*time.Minute)

	requests := h.sim.Requests()
	require.NotEmpty(t, requests)
	assert.Equal(t, now.Add(-maxLookback+time.Hour), requests[0].Start, "one window inside the limit")
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("14-day edge").Len())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("Skipping data older than the API's 14-day limit").Len())
	requireMetricSumFloat(t, h, "otelcol_forgelogs_skipped_span", (time.Hour - retentionMargin).Seconds())
}

// Records dropped while decoding are counted by reason; the rest of the page is delivered, with
// the receiver's scope, the stream's resource and the time the page was fetched.
func TestStreamCountsDropsAndStampsRecords(t *testing.T) {
	h := newHarness(t)
	ts := h.start.Add(time.Minute).UnixNano()
	record := func(id, extra string) string {
		return fmt.Sprintf(`{"timeUnixNano":"%d","severityText":"INFO","body":{"stringValue":"x"},"attributes":[{"key":"invocationId","value":{"stringValue":"%s"}}]%s}`, ts, id, extra)
	}
	page := `{"appLogs":[` + record("ok", "") + `,` + record("bad-trace", `,"traceId":"zz"`) + `,` +
		record("bad-span", `,"spanId":"12"`) + `,{"timeUnixNano":{"not":"a time"}},` + record("also-ok", "") + `]}`
	var fetchedAt atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("startDate") == h.start.Format("2006-01-02T15:04:05.000Z") && fetchedAt.Load() == nil {
			fetchedAt.Store(h.clock.Now())
			_, _ = w.Write([]byte(page))
			return
		}
		_, _ = w.Write([]byte(`{"appLogs":[]}`))
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(h.spec(testEnv), sink), 5*time.Minute)

	require.Equal(t, 4, sink.LogRecordCount())
	logs := sink.AllLogs()[0]
	rl := logs.ResourceLogs().At(0)
	attrs := rl.Resource().Attributes().AsRaw()
	assert.Equal(t, map[string]any{"service.name": testApp, "forge.app.id": testApp, "forge.environment.id": testEnv}, attrs)
	sl := rl.ScopeLogs().At(0)
	assert.Equal(t, "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", sl.Scope().Name())
	lr := sl.LogRecords().At(0)
	assert.Equal(t, fetchedAt.Load().(time.Time).UnixNano(), lr.ObservedTimestamp().AsTime().UnixNano())
	assert.Equal(t, ts, lr.Timestamp().AsTime().UnixNano())

	stream := func(reason string) attribute.Set {
		return attribute.NewSet(attribute.String("app_id", testApp), attribute.String("environment_id", testEnv), attribute.String("reason", reason))
	}
	metadatatest.AssertEqualForgelogsRecordsDropped(t, h.tel, []metricdata.DataPoint[int64]{
		{Attributes: stream("undecodable"), Value: 1},
		{Attributes: stream("invalid_trace_id"), Value: 1},
		{Attributes: stream("invalid_span_id"), Value: 1},
		{Attributes: stream("permanent_pipeline_error"), Value: 0},
	}, metricdatatest.IgnoreTimestamp())
}

// api_requests says which status each answer had; requests without answer count as 0.
func TestStreamCountsRequestsByStatus(t *testing.T) {
	h := newHarness(t, func(c *forgesim.Config) {
		c.Faults = forgesim.Faults{ServerErrorRate: 0.2, ThrottleRate: 0.1, ResetRate: 0.05}
	})
	h.runFor(h.newStream(h.spec(testEnv), &consumertest.LogsSink{}), 30*time.Minute)

	byStatus := map[int]int64{}
	for _, r := range h.loggedRequests(t) {
		byStatus[r.Status]++
	}
	require.Positive(t, byStatus[500])
	require.Positive(t, byStatus[429])
	require.Positive(t, byStatus[0], "connections reset without answer")
	var want []metricdata.DataPoint[int64]
	for status, n := range byStatus {
		want = append(want, metricdata.DataPoint[int64]{
			Attributes: attribute.NewSet(attribute.String("app_id", testApp), attribute.Int("status_code", status)), Value: n,
		})
	}
	metadatatest.AssertEqualForgelogsAPIRequests(t, h.tel, want, metricdatatest.IgnoreTimestamp())
}

// A stream the API keeps refusing falls behind, and its checkpoint lag says so while it retries.
func TestStreamLagGrowsWhileRefused(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	h.runFor(h.newStream(h.spec(testEnv), &consumertest.LogsSink{}), 30*time.Minute)

	lag, err := h.tel.GetMetric("otelcol_forgelogs_checkpoint_lag")
	require.NoError(t, err)
	got := lag.Data.(metricdata.Gauge[float64]).DataPoints[0].Value
	// The stream starts 3 hours back and stays there; by its last retry, 15 minutes before the end
	// (refusals are retried after 1, 2, 4, 5, 5... minutes), it is over 3h15m behind.
	assert.GreaterOrEqual(t, got, (3*time.Hour + 15*time.Minute).Seconds())
}
