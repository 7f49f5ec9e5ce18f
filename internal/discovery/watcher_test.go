package discovery

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/internal/retry"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

var epoch = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func ceilingJitter(d time.Duration) time.Duration { return d }

// recorder is the watcher's observer and its Apply: it keeps what the receiver would see.
type recorder struct {
	mu                 sync.Mutex
	requests           map[int]int
	environments       []int
	appeared, vanished int
	applied            chan []Environment
}

func newRecorder() *recorder {
	return &recorder{requests: map[int]int{}, applied: make(chan []Environment, 16)}
}

func (r *recorder) Requests(_ context.Context, status, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[status] += n
}
func (*recorder) RateLimitWait(context.Context, time.Duration) {}
func (r *recorder) Environments(_ context.Context, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.environments = append(r.environments, n)
}
func (r *recorder) Changed(_ context.Context, appeared, vanished int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.appeared += appeared
	r.vanished += vanished
}

// watch is a watcher of app against the API at url, on a fake clock, with everything it reports
// kept for the test.
type watch struct {
	*Watcher
	clock *clocktest.Fake
	rec   *recorder
	host  *statustest.Host
	logs  *observer.ObservedLogs
}

func newWatch(t *testing.T, url, token, app string, types ...string) *watch {
	t.Helper()
	clock := clocktest.NewFake(epoch)
	client, err := NewClient(http.DefaultClient, url, "sim@example.com", token, "")
	require.NoError(t, err)
	core, logs := observer.New(zap.DebugLevel)
	host := statustest.NewHost()
	rec := newRecorder()
	logger := zap.New(core)
	w := &watch{clock: clock, rec: rec, host: host, logs: logs}
	w.Watcher = &Watcher{
		AppID: app, Types: types, Interval: time.Hour, Fetcher: client, Clock: clock,
		Caller: &retry.Caller{
			Clock: clock, Budget: budget.New(clock, RequestsPerMinute), Jitter: ceilingJitter,
			Transient: backoff.Transient, Refused: backoff.Refused,
			Status: status.New(host), Stream: "discovery/" + app, Observer: rec, Logger: logger,
		},
		Observer: rec, Logger: logger,
		Apply: func(_ context.Context, envs []Environment) { rec.applied <- envs },
	}
	return w
}

// runUntil runs the watcher until the fake clock reaches until.
func (w *watch) runUntil(t *testing.T, until time.Time) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w.clock.StopAt(until, cancel)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	<-done
	cancel()
}

// next returns the next set the watcher applied, failing when none came.
func (w *watch) next(t *testing.T) []Environment {
	t.Helper()
	select {
	case envs := <-w.rec.applied:
		return envs
	default:
		require.Fail(t, "no environments applied")
		return nil
	}
}

func newSim(t *testing.T, clock func() time.Time, apps map[string][]string) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	sim := forgesim.New(forgesim.Config{Email: "sim@example.com", Token: "sim-token", Apps: apps, Now: clock})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func TestWatcherFollowsEveryPage(t *testing.T) {
	var envs []string
	for i := range 120 {
		envs = append(envs, fmt.Sprintf("dev-%03d", i))
	}
	sim, srv := newSim(t, time.Now, map[string][]string{"app-1": envs})
	w := newWatch(t, srv.URL, "sim-token", "app-1")
	w.runUntil(t, epoch.Add(time.Minute))

	got := w.next(t)
	require.Len(t, got, 120, "three pages of 50, 50 and 20")
	assert.Equal(t, Environment{ID: "dev-000", Key: "dev-000", Type: "DEVELOPMENT"}, got[0])
	assert.Equal(t, "dev-119", got[119].ID)
	var cursors []bool
	for _, r := range sim.Requests() {
		require.Equal(t, "environments", r.API)
		cursors = append(cursors, r.Cursor)
	}
	assert.Equal(t, []bool{false, true, true}, cursors, "one listing: the first page, then two by cursor")
	assert.Equal(t, map[int]int{200: 3}, w.rec.requests, "every call counted")
}

func TestWatcherAppliesWhatChangedBetweenTwoListings(t *testing.T) {
	sim, srv := newSim(t, time.Now, map[string][]string{"app-1": {"env-prod", "env-staging"}, "app-2": {"other"}})
	w := newWatch(t, srv.URL, "sim-token", "app-1")
	// The second listing, an interval later, finds a new environment and misses one.
	w.Apply = func(_ context.Context, envs []Environment) {
		w.rec.applied <- envs
		if len(w.rec.applied) == 1 {
			sim.AddEnvironment("app-1", "env-dev-bob", "DEVELOPMENT")
			sim.RemoveEnvironment("app-1", "env-staging")
		}
	}
	w.runUntil(t, epoch.Add(150*time.Minute))

	assert.Equal(t, []Environment{
		{ID: "env-prod", Key: "env-prod", Type: "PRODUCTION"},
		{ID: "env-staging", Key: "env-staging", Type: "STAGING"},
	}, w.next(t))
	assert.Equal(t, []Environment{
		{ID: "env-dev-bob", Key: "env-dev-bob", Type: "DEVELOPMENT"},
		{ID: "env-prod", Key: "env-prod", Type: "PRODUCTION"},
	}, w.next(t))
	assert.Empty(t, w.rec.applied, "the third listing found nothing new: nothing applied")
	assert.Equal(t, []int{2, 2, 2}, w.rec.environments, "listed at start, after 1h and 2h")
	assert.Equal(t, 3, w.rec.appeared, "two at start, one later")
	assert.Equal(t, 1, w.rec.vanished)
	assert.Equal(t, 1, w.logs.FilterMessage("Environment discovered; polling it").FilterField(zap.String("environment_id", "env-dev-bob")).Len())
	assert.Equal(t, 1, w.logs.FilterMessage("Environment no longer listed; polling stops and its checkpoint is kept").FilterField(zap.String("environment_id", "env-staging")).Len())
}

func TestWatcherKeepsOnlyTheListedTypes(t *testing.T) {
	_, srv := newSim(t, time.Now, map[string][]string{"app-1": {"env-prod", "env-staging", "env-dev-alice"}})
	w := newWatch(t, srv.URL, "sim-token", "app-1", TypeProduction, TypeStaging)
	w.runUntil(t, epoch.Add(time.Minute))
	var ids []string
	for _, env := range w.next(t) {
		ids = append(ids, env.ID)
	}
	assert.Equal(t, []string{"env-prod", "env-staging"}, ids)
	assert.Equal(t, []int{2}, w.rec.environments)
}

func TestWatcherRetriesARefusalSlowlyAndRecovers(t *testing.T) {
	sim, srv := newSim(t, time.Now, map[string][]string{"app-1": {"env-prod"}})
	// The token is wrong at first; someone fixes it after ten minutes.
	w := newWatch(t, srv.URL, "wrong-token-1234", "app-1")
	client := w.Fetcher.(*Client)
	var attempts []time.Time
	w.Fetcher = fetcherFunc(func(ctx context.Context, app, cursor string) (Page, error) {
		attempts = append(attempts, w.clock.Now())
		if w.clock.Now().Sub(epoch) >= 10*time.Minute {
			client.token = "sim-token"
		}
		return client.Page(ctx, app, cursor)
	})
	w.runUntil(t, epoch.Add(30*time.Minute))

	require.GreaterOrEqual(t, len(attempts), 3)
	for i := 1; i < len(attempts); i++ {
		assert.GreaterOrEqual(t, attempts[i].Sub(attempts[i-1]), time.Minute, "refusals are retried in minutes")
	}
	assert.Equal(t, []Environment{{ID: "env-prod", Key: "env-prod", Type: "PRODUCTION"}}, w.next(t), "applied once the token works")
	assert.Empty(t, w.rec.applied)
	assert.Positive(t, w.rec.requests[401])
	assert.Equal(t, 1, w.rec.requests[200])

	statuses := w.host.Statuses()
	require.NotEmpty(t, statuses)
	assert.Equal(t, componentstatus.StatusRecoverableError, statuses[0])
	assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1])
	refusals := w.logs.FilterMessageSnippet("API refused the request").All()
	require.NotEmpty(t, refusals)
	for _, entry := range w.logs.All() {
		for _, f := range entry.Context {
			assert.NotContains(t, fmt.Sprint(f.Interface, f.String), "wrong-token-1234")
		}
	}
	for _, r := range sim.Requests() {
		assert.Equal(t, "environments", r.API)
	}
}

type fetcherFunc func(ctx context.Context, app, cursor string) (Page, error)

func (f fetcherFunc) Page(ctx context.Context, app, cursor string) (Page, error) {
	return f(ctx, app, cursor)
}

func TestWatcherAppliesNothingBeforeTheFirstListing(t *testing.T) {
	w := newWatch(t, "http://127.0.0.1:1", "sim-token", "app-1")
	w.Fetcher = fetcherFunc(func(context.Context, string, string) (Page, error) {
		return Page{}, fmt.Errorf("connection refused")
	})
	w.runUntil(t, epoch.Add(time.Hour))
	assert.Empty(t, w.rec.applied)
	assert.Empty(t, w.rec.environments)
}

func TestWatcherEndsAListingWhosePaginationLoops(t *testing.T) {
	w := newWatch(t, "http://127.0.0.1:1", "sim-token", "app-1")
	calls := 0
	w.Fetcher = fetcherFunc(func(_ context.Context, _ string, cursor string) (Page, error) {
		calls++
		return Page{Environments: []Environment{{ID: "e-" + strings.Repeat("x", calls%2)}}, Next: "same"}, nil
	})
	w.runUntil(t, epoch.Add(time.Minute))
	assert.Equal(t, 2, calls, "the cursor came back on the second page")
	assert.Len(t, w.next(t), 2)
	assert.Equal(t, 1, w.logs.FilterMessageSnippet("pagination does not end").Len())
}

func TestWatcherWarnsOnceOfMorePagesWithoutCursor(t *testing.T) {
	w := newWatch(t, "http://127.0.0.1:1", "sim-token", "app-1")
	w.Fetcher = fetcherFunc(func(context.Context, string, string) (Page, error) {
		return Page{Environments: []Environment{{ID: "e-1"}}, MoreWithoutCursor: true, TotalCount: 3}, nil
	})
	w.runUntil(t, epoch.Add(150*time.Minute))
	assert.Equal(t, []Environment{{ID: "e-1"}}, w.next(t))
	assert.Equal(t, []int{1, 1, 1}, w.rec.environments)
	assert.Equal(t, 1, w.logs.FilterMessageSnippet("gives no cursor").Len(), "logged once, not at every listing")
}
