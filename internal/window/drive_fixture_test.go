package window

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/retry"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// The driver's tests run a walk, with a real retry.Caller and retry.Handover on the fake clock,
// over a source of their own: an API that holds a record (its Unix second) at every whole minute
// and serves a window's records in pages of recordsPerPage, through a fetch that a test can make
// fail as the API would; a sink that a test can make refuse as a pipeline would; and a store that
// checks, at every save, that the sink already took everything the saved state says delivered.

// records is what the test source hands over: the Unix seconds of the records of one page.
type records = []int64

// recordsPerPage is the API's page size: a one-hour window of records a minute is three pages.
const recordsPerPage = 25

// streamKey names the walk's checkpoint.
const streamKey = "k"

// atCeiling is the jitter that waits the whole backoff step, so that waits are exact.
func atCeiling(d time.Duration) time.Duration { return d }

// recordsIn returns the records of [start, end): one at every whole minute.
func recordsIn(start, end time.Time) records {
	var out records
	for t := start.Truncate(time.Minute); t.Before(end); t = t.Add(time.Minute) {
		if !t.Before(start) {
			out = append(out, t.Unix())
		}
	}
	return out
}

// driveFixture is one stream's world: clock, API, pipeline, store, status, logs and measurements.
// A test may run several walks on it in turn, as a collector restarted on the same storage.
type driveFixture struct {
	t      *testing.T
	clock  *clocktest.Fake
	host   *statustest.Host
	status *status.Streams
	logs   *observer.ObservedLogs
	logger *zap.Logger
	obs    *driveObserver
	api    *recordAPI
	sink   *recordSink
	store  *checkedStore
	events *eventLog
	plan   Plan
	// stop ends the running walk, as a collector's shutdown (or a crash) does.
	stop context.CancelFunc
}

func newDriveFixture(t *testing.T) *driveFixture {
	core, logs := observer.New(zap.DebugLevel)
	f := &driveFixture{
		t: t, clock: clocktest.NewFake(now), host: statustest.NewHost(), logs: logs, logger: zap.New(core),
		obs: &driveObserver{dropped: map[string]int{}}, plan: logsPlan,
	}
	f.status = status.New(f.host)
	f.api = &recordAPI{clock: f.clock}
	f.events = &eventLog{}
	f.sink = &recordSink{taken: map[int64]int{}, events: f.events}
	f.store = &checkedStore{MemoryStore: checkpoint.NewMemoryStore(), t: t, sink: f.sink, events: f.events}
	return f
}

// walk returns a new walk of the stream, wired as poller.Walk wires a receiver's (which this
// package cannot import).
func (f *driveFixture) walk() *Walk[records] {
	caller := &retry.Caller{
		Clock: f.clock, Budget: budget.New(f.clock, 600), Transient: backoff.Transient, Refused: backoff.Refused,
		Jitter: atCeiling, Status: f.status, Stream: streamKey, Observer: nopCallObserver{}, Logger: f.logger,
	}
	w := &Walk[records]{
		Plan: f.plan, Clock: f.clock, Store: f.store, Key: streamKey,
		Status: f.status, Observer: f.obs, Logger: f.logger,
		Caller:   caller,
		Handover: &retry.Handover{Clock: f.clock, Backoff: backoff.Transient, Jitter: atCeiling, Logger: f.logger},
		Sink:     f.sink,
	}
	caller.Retrying = w.RecordLag
	return w
}

// run runs a new walk of the API's records until the fake clock reaches until, or a hook calls
// f.stop.
func (f *driveFixture) run(until time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.stop = cancel
	f.clock.StopAt(until, cancel)
	f.walk().Run(ctx, recordSource{api: f.api})
}

// restart puts the stream on a new clock at at: a collector started again on the same storage.
func (f *driveFixture) restart(at time.Time) {
	f.clock = clocktest.NewFake(at)
	f.api.clock = f.clock
}

// committed returns the stream's checkpoint.
func (f *driveFixture) committed() checkpoint.State {
	state, found, err := f.store.Load(context.Background(), streamKey)
	if err != nil || !found {
		f.t.Fatalf("no checkpoint: found %v, %v", found, err)
	}
	return state
}

// delivered returns every record that state says was delivered, since the first checkpoint.
func (f *driveFixture) delivered(state checkpoint.State) records {
	return claimedBy(f.store.origin(), state)
}

// claimedBy returns the records a checkpoint says were delivered since first: those before its
// window, and the first Offset records of the window it stands in.
func claimedBy(first time.Time, state checkpoint.State) records {
	out := recordsIn(first, state.WindowStart)
	if state.InProgress() {
		out = append(out, recordsIn(state.WindowStart, state.WindowEnd)[:state.Offset]...)
	}
	return out
}

// recordAPI serves records; fail, when set, may turn a request into a failure (or stop the walk).
type recordAPI struct {
	clock *clocktest.Fake
	mu    sync.Mutex
	fail  func(ctx context.Context, call int, start time.Time) error
	calls []fetchCall
}

// fetchCall is one request the API received.
type fetchCall struct {
	at, start time.Time
	offset    int
}

// page answers the request for the page at offset of [start, end).
func (a *recordAPI) page(ctx context.Context, start, end time.Time, offset int) (records, bool, error) {
	a.mu.Lock()
	a.calls = append(a.calls, fetchCall{at: a.clock.Now(), start: start, offset: offset})
	call, fail := len(a.calls), a.fail
	a.mu.Unlock()
	if fail != nil {
		if err := fail(ctx, call, start); err != nil {
			return nil, false, err
		}
	}
	all := recordsIn(start, end)
	last := min(offset+recordsPerPage, len(all))
	return slices.Clone(all[offset:last]), last == len(all), nil
}

// gaps returns the time between consecutive requests.
func (a *recordAPI) gaps() []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(a.calls); i++ {
		out = append(out, a.calls[i].at.Sub(a.calls[i-1].at))
	}
	return out
}

func (a *recordAPI) requests() []fetchCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.calls)
}

// recordSource reads a window's records page by page, as the logs receiver reads its pages.
type recordSource struct{ api *recordAPI }

func (s recordSource) Open(state checkpoint.State) Reader[records] {
	return &recordReader{api: s.api, state: state, offset: state.Offset}
}

type recordReader struct {
	api    *recordAPI
	state  checkpoint.State
	offset int
}

func (r *recordReader) Next(context.Context) (Step[records], error) {
	start, end := r.state.WindowStart, r.state.WindowEnd
	return Step[records]{
		Start: start,
		Fetch: func(ctx context.Context) (Piece[records], error) {
			offset := r.offset
			page, last, err := r.api.page(ctx, start, end, offset)
			if err != nil {
				return Piece[records]{}, err
			}
			// The answer as fetched: Data is a copy a processor may change.
			answer := slices.Clone(page)
			return Piece[records]{
				Data: page, Count: len(page),
				Again: func() records { return slices.Clone(answer) },
				// Where the reader stands after the page, whoever asks how often.
				Accepted: func(context.Context) Commit {
					r.offset = offset + len(answer)
					if last {
						return Commit{State: checkpoint.State{WindowStart: end}, Done: true}
					}
					return Commit{State: checkpoint.State{WindowStart: start, WindowEnd: end, Offset: r.offset}}
				},
			}, nil
		},
		Fields: []zap.Field{zap.Time("window_start", start), zap.Int("offset", r.offset)},
	}, nil
}

// recordSink is the pipeline. refuse, when set, answers a hand-over instead of taking it (nil
// takes it): it may change the data, as a processor does, before it refuses.
type recordSink struct {
	mu     sync.Mutex
	refuse func(ctx context.Context, call int, data records) error
	calls  int
	// taken counts each record the pipeline accepted, or refused for good (dropped).
	taken    map[int64]int
	accepted []records
	dropped  []records
	events   *eventLog
}

func (s *recordSink) Consume(ctx context.Context, data records) error {
	s.mu.Lock()
	s.calls++
	call, refuse := s.calls, s.refuse
	s.mu.Unlock()
	var err error
	if refuse != nil {
		err = refuse(ctx, call, data)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events.add("consume %v: %v", data, err)
	switch {
	case err == nil:
		s.accepted = append(s.accepted, slices.Clone(data))
	case consumererror.IsPermanent(err):
		s.dropped = append(s.dropped, slices.Clone(data))
	default:
		return err
	}
	for _, r := range data {
		s.taken[r]++
	}
	return err
}

func (*recordSink) Unit() string { return "records" }

// acceptedRecords returns every record the pipeline accepted, in order, repeats included.
func (s *recordSink) acceptedRecords() records {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Concat(s.accepted...)
}

func (s *recordSink) tookAll(rs records) (missing records) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rs {
		if s.taken[r] == 0 {
			missing = append(missing, r)
		}
	}
	return missing
}

// checkedStore is the stream's storage. At every save of the stream's checkpoint it checks that
// the pipeline already took every record the state says delivered; a save with a context that
// ended fails, as a storage client's does. Every save is logged in events.
type checkedStore struct {
	*checkpoint.MemoryStore
	t    *testing.T
	sink *recordSink
	// unchecked leaves the states unchecked: steps scripted by hand claim no records.
	unchecked bool

	mu     sync.Mutex
	first  time.Time
	saves  []checkpoint.State
	events *eventLog
}

func (s *checkedStore) Save(ctx context.Context, key string, state checkpoint.State) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.events.add("save %s", key)
	if key == streamKey {
		s.mu.Lock()
		if s.first.IsZero() {
			s.first = state.WindowStart
		}
		s.saves = append(s.saves, state)
		first := s.first
		s.mu.Unlock()
		if !s.unchecked {
			if missing := s.sink.tookAll(claimedBy(first, state)); len(missing) > 0 {
				s.t.Errorf("checkpoint %+v saved before the pipeline took %d of the records it covers, the first at %s",
					state, len(missing), time.Unix(missing[0], 0).UTC())
			}
		}
	}
	return s.MemoryStore.Save(ctx, key, state)
}

// origin is where the stream's first checkpoint started it.
func (s *checkedStore) origin() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

func (s *checkedStore) streamSaves() []checkpoint.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.saves)
}

// eventLog keeps what happened, in order, across the store, the API and the pipeline.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(format string, args ...any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf(format, args...))
}

func (l *eventLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// driveObserver keeps the walk's measurements.
type driveObserver struct {
	mu       sync.Mutex
	received int
	dropped  map[string]int
	skipped  []time.Duration
}

func (*driveObserver) Lag(context.Context, time.Duration) {}

func (o *driveObserver) Skipped(_ context.Context, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.skipped = append(o.skipped, d)
}

func (o *driveObserver) Received(_ context.Context, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.received += n
}

func (o *driveObserver) Dropped(_ context.Context, reason string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dropped[reason] += n
}

type nopCallObserver struct{}

func (nopCallObserver) Requests(context.Context, int, int)           {}
func (nopCallObserver) RateLimitWait(context.Context, time.Duration) {}

// scriptedSource reads one window in the steps of a script, each planned at the clock's now;
// past the script the window ends with end.
type scriptedSource struct {
	f     *driveFixture
	steps []func(now time.Time) Step[records]
	end   checkpoint.State
	nexts int
	// asked, when set, receives the number of each Next call.
	asked chan int
}

func (s *scriptedSource) Open(checkpoint.State) Reader[records] { return s }

func (s *scriptedSource) Next(context.Context) (Step[records], error) {
	s.nexts++
	if s.asked != nil {
		select {
		case s.asked <- s.nexts:
		default: // nobody waits for the later ones
		}
	}
	if s.nexts > len(s.steps) {
		return Step[records]{Done: true, Next: s.end}, nil
	}
	return s.steps[s.nexts-1](s.f.clock.Now()), nil
}

// fetching returns a Fetch that logs each call as "fetch name" and fails with failures in turn,
// then answers data, whose acceptance commits commit.
func (f *driveFixture) fetching(name string, data records, commit Commit, failures ...error) func(context.Context) (Piece[records], error) {
	calls := 0
	return func(context.Context) (Piece[records], error) {
		f.events.add("fetch %s", name)
		f.api.mu.Lock()
		f.api.calls = append(f.api.calls, fetchCall{at: f.clock.Now()})
		f.api.mu.Unlock()
		if calls++; calls <= len(failures) {
			return Piece[records]{}, failures[calls-1]
		}
		return Piece[records]{
			Data: slices.Clone(data), Count: len(data),
			Again:    func() records { return slices.Clone(data) },
			Accepted: func(context.Context) Commit { return commit },
		}, nil
	}
}

// read reads the script's window with w until it ends, or the fake clock reaches an hour later.
func (f *driveFixture) read(w *Walk[records], src *scriptedSource) (checkpoint.State, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.stop = cancel
	f.clock.StopAt(f.clock.Now().Add(time.Hour), cancel)
	return w.Read(ctx, src, checkpoint.State{WindowStart: firstStart, WindowEnd: firstEnd})
}
