package retry

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/wire"
)

var epoch = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// answer is what the scripted API says to one request.
type answer struct {
	status     int
	retryAfter string
}

// scriptedAPI answers requests from a script, then 200s, and logs when each arrived.
type scriptedAPI struct {
	*httptest.Server
	clock  *clocktest.Fake
	mu     sync.Mutex
	script []answer
	times  []time.Time
}

func newScriptedAPI(t *testing.T, clock *clocktest.Fake, script ...answer) *scriptedAPI {
	api := &scriptedAPI{clock: clock, script: script}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		api.mu.Lock()
		api.times = append(api.times, clock.Now())
		a := answer{status: http.StatusOK}
		if len(api.script) > 0 {
			a, api.script = api.script[0], api.script[1:]
		}
		api.mu.Unlock()
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(`{"message":"scripted"}`))
	}))
	t.Cleanup(api.Close)
	return api
}

func (a *scriptedAPI) gaps() []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(a.times); i++ {
		gaps = append(gaps, a.times[i].Sub(a.times[i-1]))
	}
	return gaps
}

// recordingObserver keeps what a Caller measured.
type recordingObserver struct {
	mu       sync.Mutex
	statuses []int
	waited   time.Duration
}

func (o *recordingObserver) Requests(_ context.Context, status, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for range n {
		o.statuses = append(o.statuses, status)
	}
}

func (o *recordingObserver) RateLimitWait(_ context.Context, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waited += d
}

type fixture struct {
	clock    *clocktest.Fake
	caller   *Caller
	observer *recordingObserver
	host     *statustest.Host
	logs     *observer.ObservedLogs
}

func newFixture(perMinute int) *fixture {
	clock := clocktest.NewFake(epoch)
	core, logs := observer.New(zap.DebugLevel)
	f := &fixture{clock: clock, observer: &recordingObserver{}, host: statustest.NewHost(), logs: logs}
	f.caller = &Caller{
		Clock: clock, Budget: budget.New(clock, perMinute), Transient: backoff.Transient, Refused: backoff.Refused,
		Jitter: ceiling,
		Status: status.New(f.host), Stream: "s", Observer: f.observer, Logger: zap.New(core),
	}
	return f
}

// get is a try that sends one GET as the receivers do.
func get(client *http.Client, url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
		if err != nil {
			return err
		}
		wire.NoReplay(req)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return &apierror.StatusError{StatusCode: resp.StatusCode, Reason: apierror.ReasonOf(body), RetryAfter: apierror.ParseRetryAfter(resp.Header.Get("Retry-After"), epoch)}
		}
		return nil
	}
}

func (f *fixture) do(t *testing.T, api *scriptedAPI) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.clock.StopAt(epoch.Add(time.Hour), cancel)
	return f.caller.Do(ctx, get(api.Client(), api.URL), nil)
}

func TestCallBacksOffOnServerErrors(t *testing.T) {
	f := newFixture(6000) // a budget that never binds: the waits are the backoff's
	api := newScriptedAPI(t, f.clock, answer{status: 500}, answer{status: 502}, answer{status: 503})
	require.NoError(t, f.do(t, api))
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, api.gaps())
	assert.Equal(t, []int{500, 502, 503, 200}, f.observer.statuses)
}

func TestCallBacksOffOn429WithoutRetryAfter(t *testing.T) {
	f := newFixture(6000)
	api := newScriptedAPI(t, f.clock, answer{status: 429}, answer{status: 429})
	require.NoError(t, f.do(t, api))
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, api.gaps())
	assert.Equal(t, 3*time.Second, f.observer.waited, "a 429's pause is time waited on the rate limit")
}

func TestCallHonoursRetryAfter(t *testing.T) {
	f := newFixture(6000)
	api := newScriptedAPI(t, f.clock, answer{status: 429, retryAfter: "45"})
	require.NoError(t, f.do(t, api))
	assert.Equal(t, []time.Duration{45 * time.Second}, api.gaps())
}

// Retries draw from the budget like first attempts: with a backoff shorter than the budget's
// spacing, the budget decides.
func TestCallRetriesTakeTheirTurnInTheBudget(t *testing.T) {
	f := newFixture(30)
	api := newScriptedAPI(t, f.clock, answer{status: 500}, answer{status: 500})
	require.NoError(t, f.do(t, api))
	for _, gap := range api.gaps() {
		assert.GreaterOrEqual(t, gap, 2*time.Second, "not the backoff's 1s and 2s")
	}
}

// A 429 pauses the whole budget: another caller that shares it waits as long.
func TestCall429PausesEveryCallerOfTheBudget(t *testing.T) {
	f := newFixture(6000)
	throttled := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		first := false
		once.Do(func() { first = true })
		if first {
			w.Header().Set("Retry-After", "45")
			w.WriteHeader(http.StatusTooManyRequests)
			defer close(throttled)
		}
	}))
	t.Cleanup(srv.Close)
	f.clock.SetParticipants(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.clock.StopAt(epoch.Add(time.Hour), cancel)

	done := make(chan error)
	go func() {
		err := f.caller.Do(ctx, get(srv.Client(), srv.URL), nil)
		f.clock.SetParticipants(1) // this caller no longer holds time
		done <- err
	}()
	<-throttled
	// Let the 429's pause be recorded before the other caller asks.
	for f.clock.Sleeps() < 1 {
		runtime.Gosched() // until the throttled caller sleeps
	}
	waited, err := f.caller.Budget.Wait(ctx)
	f.clock.SetParticipants(1) // nor does this one
	require.NoError(t, err)
	assert.GreaterOrEqual(t, waited, 45*time.Second, "the other caller waits out the pause too")
	assert.Less(t, waited, 46*time.Second)
	require.NoError(t, <-done)
}

func TestCallRetriesRefusalsSlowlyAndReportsThem(t *testing.T) {
	f := newFixture(30)
	api := newScriptedAPI(t, f.clock, answer{status: 401}, answer{status: 403})
	require.NoError(t, f.do(t, api))
	assert.Equal(t, []time.Duration{2 * time.Minute, 4 * time.Minute}, api.gaps())
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusRecoverableError, componentstatus.StatusOK}, f.host.Statuses())
	refused := f.logs.FilterMessageSnippet("API refused the request").All()
	require.Len(t, refused, 2)
	assert.EqualValues(t, 401, refused[0].ContextMap()["status"])
	assert.Equal(t, "{\"message\":\"scripted\"}", refused[0].ContextMap()["reason"])
}

// A failure the caller's final says ends the call is returned as it is: not waited out, not
// reported, not retried. The caller knows what the API's answer means for its request.
func TestCallEndsOnAFailureTheCallerCallsFinal(t *testing.T) {
	f := newFixture(30)
	api := newScriptedAPI(t, f.clock, answer{status: 400}, answer{status: 400})
	var seen []int
	err := f.caller.Do(context.Background(), get(api.Client(), api.URL), func(err error) bool {
		seen = append(seen, apierror.StatusCode(err))
		return true
	})
	require.Error(t, err)
	assert.Equal(t, 400, apierror.StatusCode(err))
	assert.Equal(t, []int{400}, seen, "asked once, for the one answer")
	assert.Len(t, api.gaps(), 0, "one request, no retry")
	assert.Empty(t, f.host.Statuses(), "nothing reported")
	assert.Equal(t, 0, f.logs.Len())
}

func TestCallEndsWithItsContext(t *testing.T) {
	f := newFixture(30)
	api := newScriptedAPI(t, f.clock, answer{status: 500}, answer{status: 500}, answer{status: 500})
	ctx, cancel := context.WithCancel(context.Background())
	f.clock.StopAt(epoch.Add(2*time.Second), cancel)
	err := f.caller.Do(ctx, get(api.Client(), api.URL), nil)
	assert.ErrorIs(t, err, context.Canceled)
}

type connKey struct{}

// A server that closes some reused connections right after reading the request, with the
// budget saturated: what it received never exceeds the budget in any 60-second span, and the
// receiver's count equals it.
func TestCallBudgetHoldsOnTheWireWhenConnectionsClose(t *testing.T) {
	f := newFixture(30)
	var mu sync.Mutex
	var received []time.Time
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		received = append(received, f.clock.Now())
		mu.Unlock()
		reused := r.Context().Value(connKey{}).(*atomic.Int64).Add(1) > 1
		if n.Add(1)%7 == 0 && reused {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, &atomic.Int64{})
	}
	srv.Start()
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.clock.StopAt(epoch.Add(10*time.Minute), cancel)
	client := srv.Client()
	for ctx.Err() == nil {
		_ = f.caller.Do(ctx, get(client, srv.URL), nil)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Greater(t, len(received), 250, "the budget was saturated")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(received), 30)
	assert.Len(t, f.observer.statuses, len(received), "every request the API received is counted")
	assert.Contains(t, f.observer.statuses, 0, "closed connections count as requests without answer")
}

// A caller waiting out its app's 429 pause or its turn holds no ticket, so throttled or slow apps
// cannot hold every request slot of the receiver.
func TestCallHoldsNoTicketWhileWaitingForItsTurn(t *testing.T) {
	f := newFixture(30)
	pool := pages.NewPool(1, 1)
	f.caller.Tickets = pool
	f.caller.Budget.Pause(45 * time.Second)
	api := newScriptedAPI(t, f.clock)
	f.clock.SetParticipants(2)
	done := make(chan error)
	go func() {
		err := f.caller.Do(context.Background(), get(api.Client(), api.URL), nil)
		f.clock.SetParticipants(1)
		done <- err
	}()
	for f.clock.Sleeps() < 1 {
		runtime.Gosched() // until the caller sleeps out the pause
	}
	assert.Zero(t, pool.RequestsInFlight(), "no ticket held during the pause")
	f.clock.SetParticipants(1)
	require.NoError(t, <-done)
	assert.Zero(t, pool.RequestsInFlight(), "the ticket went back with the answer")
	assert.Equal(t, 45*time.Second, f.observer.waited, "the pause is time waited on the rate limit")
}

// However long a ticket takes, the grant holds the budget's span: a caller that got its turn but
// waited for a ticket still leaves no sooner than the budget allows.
func TestCallWaitingForATicketKeepsTheBudget(t *testing.T) {
	f := newFixture(1)
	pool := pages.NewPool(1, 1)
	f.caller.Tickets = pool
	api := newScriptedAPI(t, f.clock)
	require.NoError(t, f.do(t, api))
	require.NoError(t, f.do(t, api))
	require.Len(t, api.gaps(), 1)
	assert.GreaterOrEqual(t, api.gaps()[0], time.Minute, "one request a minute")
	assert.Zero(t, pool.RequestsInFlight())
}
