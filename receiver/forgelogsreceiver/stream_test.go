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
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

func TestStreamDeliversEveryRecordOnce(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 30*time.Minute)

	end := h.committed(spec).WindowStart
	assert.True(t, end.After(h.clock.Now().Add(-3*time.Minute)), "caught up to within delay + poll interval, got %s", end)
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, end), invocationIDs(sink.AllLogs()))
}

func TestStreamWindows(t *testing.T) {
	h := newHarness(t)
	h.runFor(h.newStream(h.spec(testEnv), &consumertest.LogsSink{}), 30*time.Minute)

	var windows [][2]time.Time
	for _, r := range h.sim.Requests() {
		require.Equal(t, http.StatusOK, r.Status)
		require.LessOrEqual(t, r.End.Sub(r.Start), time.Hour)
		require.LessOrEqual(t, r.End, r.Time.Add(-time.Minute), "windows end one delay before now")
		if !r.Cursor {
			windows = append(windows, [2]time.Time{r.Start, r.End})
		}
	}
	require.Equal(t, h.start, windows[0][0])
	for i := 1; i < len(windows); i++ {
		require.Equal(t, windows[i-1][1], windows[i][0], "windows are back to back")
	}
	// Three hours of backlog less the delay: two whole hours, at once the rest up to one delay
	// before now, then one window per poll interval.
	for i := 0; i < 2; i++ {
		assert.Equal(t, time.Hour, windows[i][1].Sub(windows[i][0]))
	}
	assert.Less(t, windows[2][1].Sub(windows[2][0]), time.Hour, "the rest, up to now - delay")
	for _, w := range windows[4:] {
		assert.InDelta(t, time.Minute, w[1].Sub(w[0]), float64(5*time.Second))
	}
}

// The simulator's end bound is inclusive, so the group of records on each boundary comes back
// in two windows; the stream must deliver it once.
func TestStreamDeliversBoundaryRecordsOnce(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 5*time.Minute)

	boundary := h.start.Add(time.Hour)
	onBoundary := h.sim.Visible(testApp, testEnv, boundary, boundary.Add(time.Millisecond-1))
	require.Len(t, onBoundary, 3, "the simulator has a record group on the boundary")
	got := invocationIDs(sink.AllLogs())
	for _, r := range onBoundary {
		assert.Equal(t, 1, got[forgesim.InvocationID(testEnv, r.Index)])
	}
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), got)
}

func TestStreamRetriesAPIFaults(t *testing.T) {
	h := newHarness(t, func(c *forgesim.Config) {
		c.Faults = forgesim.Faults{ServerErrorRate: 0.2, ThrottleRate: 0.1, ThrottleNoRetryAfterRate: 0.1, TruncateRate: 0.1, NotAPageRate: 0.1, ResetRate: 0.05}
	})
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 2*time.Hour)

	faults := map[string]int{}
	for _, r := range h.sim.Requests() {
		faults[r.Fault]++
	}
	require.Positive(t, faults["server_error"])
	require.Positive(t, faults["truncated"])
	require.Positive(t, faults["not_a_page"], "a 200 that is no page is retried, not taken for the window's end")
	require.Positive(t, faults["throttle"])
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), invocationIDs(sink.AllLogs()))
}

// failingConsumer refuses the calls for which fail returns an error, and keeps what it accepted.
type failingConsumer struct {
	consumertest.LogsSink
	calls atomic.Int64
	fail  func(call int64) error
}

func (f *failingConsumer) ConsumeLogs(ctx context.Context, logs plog.Logs) error {
	if err := f.fail(f.calls.Add(1)); err != nil {
		return err
	}
	return f.LogsSink.ConsumeLogs(ctx, logs)
}

func TestStreamRetriesRetryablePipelineErrorsWithoutCommitting(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	var before []checkpoint.State
	next := &failingConsumer{}
	next.fail = func(call int64) error {
		if call%3 == 0 {
			return nil
		}
		// While the pipeline refuses, the checkpoint stays where it was.
		state, _, _ := h.store.Load(context.Background(), spec.key)
		before = append(before, state)
		if call%3 == 2 {
			require.Equal(t, before[len(before)-2], state)
		}
		return errors.New("exporter queue full")
	}
	h.runFor(h.newStream(spec, next), 10*time.Minute)
	require.Greater(t, next.calls.Load(), int64(6))
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), invocationIDs(next.AllLogs()))
}

func TestStreamDropsPagesOnPermanentPipelineErrors(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	var dropped []plog.Logs
	next := &failingConsumer{}
	next.fail = func(call int64) error {
		if call == 2 {
			return consumererror.NewPermanent(errors.New("cannot be exported"))
		}
		return nil
	}
	recorder := consumerFunc(func(ctx context.Context, logs plog.Logs) error {
		err := next.ConsumeLogs(ctx, logs)
		if err != nil {
			dropped = append(dropped, logs)
		}
		return err
	})
	h.runFor(h.newStream(spec, recorder), 10*time.Minute)

	require.Len(t, dropped, 1, "a permanent error is not retried")
	got := invocationIDs(next.AllLogs())
	for id := range invocationIDs(dropped) {
		got[id]++ // the dropped page is gone on purpose; count it to check the rest.
	}
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), got)
	requireMetricSum(t, h, "otelcol_forgelogs_records_dropped", int64(dropped[0].LogRecordCount()))
}

type consumerFunc func(context.Context, plog.Logs) error

func (f consumerFunc) ConsumeLogs(ctx context.Context, logs plog.Logs) error { return f(ctx, logs) }
func (consumerFunc) Capabilities() consumer.Capabilities                     { return consumer.Capabilities{} }

// A clean stop in the middle of a window, then a restart, delivers nothing twice.
func TestStreamResumesInsideAWindowAfterRestart(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	first := &consumertest.LogsSink{}
	ctx, cancel := context.WithCancel(context.Background())
	stopAfterThree := consumerFunc(func(ctx context.Context, logs plog.Logs) error {
		err := first.ConsumeLogs(ctx, logs)
		if len(first.AllLogs()) == 3 {
			cancel()
		}
		return err
	})
	h.clock.StopAt(h.clock.Now().Add(24*time.Hour), cancel)
	h.newStream(spec, stopAfterThree).run(ctx)

	state := h.committed(spec)
	require.True(t, state.InProgress(), "stopped inside a window")
	require.Equal(t, 600, state.Offset, "three pages of 200")

	second := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, second), 30*time.Minute)
	all := invocationIDs(append(first.AllLogs(), second.AllLogs()...))
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), all)
}

func TestStreamResumesAfterACompletedWindow(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	first := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, first), time.Minute)
	require.False(t, h.committed(spec).InProgress())

	second := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, second), 20*time.Minute)
	all := invocationIDs(append(first.AllLogs(), second.AllLogs()...))
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), all)
}

// crashingStore fails the commit after a page was delivered, as a kill -9 between the pipeline's
// acceptance and the checkpoint write would, and stops the stream there.
type crashingStore struct {
	checkpoint.Store
	saves, crashAt int
	crash          context.CancelFunc
}

func (c *crashingStore) Save(ctx context.Context, key string, state checkpoint.State) error {
	c.saves++
	if c.saves == c.crashAt {
		c.crash()
		return errors.New("killed")
	}
	return c.Store.Save(ctx, key, state)
}

func TestStreamClampsToTheRetentionLimit(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	old := h.clock.Now().Add(-15 * 24 * time.Hour)
	require.NoError(t, h.store.Save(context.Background(), spec.key, checkpoint.State{WindowStart: old}))
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), time.Minute)

	first := h.sim.Requests()[0]
	require.Equal(t, http.StatusOK, first.Status)
	oldest := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC).Add(-14*24*time.Hour + retentionMargin)
	assert.Equal(t, oldest, first.Start)
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("14-day limit").Len())
	requireMetricSumFloat(t, h, "otelcol_forgelogs_skipped_span", oldest.Sub(old).Seconds())
}

type unreadableStore struct{ checkpoint.Store }

func (unreadableStore) Load(context.Context, string) (checkpoint.State, bool, error) {
	return checkpoint.State{}, false, errors.New("storage is unreachable")
}

func TestStreamStopsWhenItsCheckpointCannotBeRead(t *testing.T) {
	h := newHarness(t)
	h.store = unreadableStore{}
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(h.spec(testEnv), sink), time.Hour)

	assert.Empty(t, h.sim.Requests(), "never guesses a start")
	assert.Zero(t, sink.LogRecordCount())
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusPermanentError}, h.host.Statuses())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("Checkpoint unreadable").Len())
}

func TestStreamRereadsAWindowWhenItsFiltersChanged(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	inWindow := checkpoint.State{WindowStart: h.start, WindowEnd: h.start.Add(time.Hour), Offset: 400, LastFingerprint: 1, QueryHash: spec.queryHash + 1}
	require.NoError(t, h.store.Save(context.Background(), spec.key, inWindow))
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 30*time.Minute)
	requireExactlyOnce(t, h.expectedIDs(testEnv, h.start, h.committed(spec).WindowStart), invocationIDs(sink.AllLogs()))
}

func TestStreamRetriesRefusalsSlowlyAndRecovers(t *testing.T) {
	h := newHarness(t)
	var refuse atomic.Bool
	refuse.Store(true)
	var refusals atomic.Int64
	var mu sync.Mutex
	var refusedAt []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			mu.Lock()
			refusedAt = append(refusedAt, h.clock.Now())
			mu.Unlock()
			if refusals.Add(1) == 3 {
				refuse.Store(false) // the token was fixed
			}
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"Unauthorized"}`))
			return
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(h.spec(testEnv), sink), 30*time.Minute)

	assert.Equal(t, int64(3), refusals.Load())
	assert.Positive(t, sink.LogRecordCount())
	statuses := h.host.Statuses()
	require.GreaterOrEqual(t, len(statuses), 2)
	assert.Equal(t, componentstatus.StatusRecoverableError, statuses[0])
	assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1])
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(refusedAt); i++ {
		assert.GreaterOrEqual(t, refusedAt[i].Sub(refusedAt[i-1]), 30*time.Second, "refusals are retried slowly")
	}
	refused := h.logs.FilterMessageSnippet("API refused the request")
	require.Equal(t, 3, refused.Len())
	for _, entry := range refused.All() {
		fields := entry.ContextMap()
		assert.EqualValues(t, 401, fields["status"])
		assert.Contains(t, fields["reason"], "Unauthorized")
		assert.NotContains(t, entry.Message+fields["error"].(string), testToken)
	}
}

func TestStreamHonoursRetryAfterForTheWholeApp(t *testing.T) {
	h := newHarness(t)
	var throttled atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if throttled.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "45")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.srv = srv
	s := h.newStream(h.spec(testEnv), &consumertest.LogsSink{})
	h.runFor(s, 5*time.Minute)

	requests := h.sim.Requests()
	require.NotEmpty(t, requests)
	assert.GreaterOrEqual(t, requests[0].Time.Sub(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)), 45*time.Second)
}

// Pagination that loops ends the window at the first repeat, before any page is delivered twice:
// a cursor that comes back, an API that ignores the cursor, a cursor that leads back to the
// first page.
func TestStreamEndsAWindowWhosePaginationLoops(t *testing.T) {
	page := func(h *harness, cursor string, ids ...string) string {
		body := `{"appLogs":[`
		for i, id := range ids {
			if i > 0 {
				body += ","
			}
			body += `{"timeUnixNano":"` + fmt.Sprint(h.start.Add(time.Minute).UnixNano()) + `","severityText":"INFO","body":{"stringValue":"x"},"attributes":[{"key":"invocationId","value":{"stringValue":"` + id + `"}}]}`
		}
		return body + `],"cursor":"` + cursor + `"}`
	}
	tests := []struct {
		name string
		// answer is the page for a cursor.
		answer    func(h *harness, cursor string) string
		wantCalls int64
		wantIDs   map[string]int
	}{
		{"a cursor comes back", func(h *harness, cursor string) string {
			switch cursor {
			case "":
				return page(h, "A", "r1")
			case "A":
				return page(h, "B", "r2")
			default: // B leads back to A, for ever
				return page(h, "A", "r3")
			}
		}, 3, map[string]int{"r1": 1, "r2": 1, "r3": 1}},
		{"the API ignores the cursor", func(h *harness, _ string) string {
			return page(h, "next", "r1")
		}, 2, map[string]int{"r1": 1}},
		{"a cursor leads back to the first page", func(h *harness, cursor string) string {
			switch cursor {
			case "", "0":
				return page(h, "A", "r1")
			case "A":
				return page(h, "B", "r2")
			default:
				return page(h, "0", "r3")
			}
		}, 4, map[string]int{"r1": 1, "r2": 1, "r3": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				_, _ = w.Write([]byte(tt.answer(h, r.URL.Query().Get("cursor"))))
			}))
			t.Cleanup(srv.Close)
			h.srv = srv
			sink := &consumertest.LogsSink{}
			ctx, cancel := context.WithCancel(context.Background())
			h.clock.StopAt(h.clock.Now().Add(24*time.Hour), cancel)
			s := h.newStream(h.spec(testEnv), sink)
			state, err := s.readWindow(ctx, checkpoint.State{WindowStart: h.start, WindowEnd: h.start.Add(time.Hour)})
			require.NoError(t, err)

			assert.Equal(t, tt.wantCalls, calls.Load(), "the loop is noticed at its first repeat")
			assert.Equal(t, tt.wantIDs, invocationIDs(sink.AllLogs()), "no page delivered twice")
			assert.Equal(t, h.start.Add(time.Hour), state.WindowStart, "the stream moves on to the next window")
			assert.Equal(t, 1, h.logs.FilterMessageSnippet("pagination loops").Len())
		})
	}
}
