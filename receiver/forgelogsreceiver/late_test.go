package forgelogsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// The defaults of SPEC 3 and 4: polled every 5 s, 2 s behind now, read again 10 minutes on.
const (
	lateArrival = 10 * time.Minute
	// lateness is how late the simulator serves its late records: after a window's first
	// reading, well before its second.
	lateness = 3 * time.Minute
)

// newLateHarness serves share of the records lateness after their timestamp, 0.6 records a
// second (two pages a minute of 20), to a stream at the default settings that starts 30 minutes
// back.
func newLateHarness(t *testing.T, share float64, opts ...harnessOption) *harness {
	h := newHarness(t, append([]harnessOption{func(c *forgesim.Config) {
		c.LateShare, c.Lateness = share, lateness
		c.RecordsPerSecond, c.PageSize = 0.6, 20
	}}, opts...)...)
	h.start = h.clock.Now().Add(-30 * time.Minute)
	h.configure = func(cfg *Config) {
		cfg.PollInterval, cfg.Delay, cfg.LateArrival = defaultPollInterval, defaultDelay, lateArrival
	}
	return h
}

// requireCompleteAndOnce checks what a stream at spec's checkpoint must have delivered: every
// record the simulator serves before the second reading's start, including those it served
// late; after it, every record it served at once, and the late ones at most once (a first reading
// that came after them took them, the others wait for their second reading); nothing twice,
// nothing it did not serve.
func requireCompleteAndOnce(t *testing.T, h *harness, spec streamSpec, got map[string]int) {
	t.Helper()
	env := spec.query.EnvironmentID
	state := h.committed(spec)
	require.True(t, state.Reread.Active())
	served := map[string]bool{}
	missing := 0
	// Up to the first reading's start, its millisecond included: the window before delivered
	// the records on it.
	for _, r := range h.sim.Visible(testApp, env, h.start, state.WindowStart.Add(time.Millisecond-1)) {
		id := forgesim.InvocationID(env, r.Index)
		served[id] = true
		required := time.Unix(0, r.TimeUnixNano).Before(state.Reread.Start) || !h.sim.IsLate(r)
		if required && got[id] == 0 {
			missing++
		}
	}
	require.NotEmpty(t, served)
	for id, n := range got {
		require.Equalf(t, 1, n, "record %s delivered %d times", id, n)
		require.Truef(t, served[id], "record %s delivered, not served", id)
	}
	require.Zerof(t, missing, "%d records never delivered", missing)
}

// A record the API serves after its window was first read is delivered once, by the second
// reading, and counted with its age.
func TestLateRecordInAWindowAlreadyReadIsDeliveredOnce(t *testing.T) {
	// One page for the first window, so that its records were all read when it began.
	h := newLateHarness(t, 0.2, func(c *forgesim.Config) { c.PageSize = 2000 })
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 40*time.Minute)

	state := h.committed(spec)
	assert.WithinDuration(t, h.clock.Now().Add(-lateArrival), state.Reread.Start, 2*time.Minute, "the second reading keeps up")
	requireCompleteAndOnce(t, h, spec, invocationIDs(sink.AllLogs()))

	// Late records found: those of the 40 minutes since the first window, up to the second
	// reading's start (the 30 minutes of backlog were already late_arrival old but their last 10).
	var late int64
	for _, r := range h.sim.Visible(testApp, testEnv, h.start.Add(30*time.Minute-lateArrival), state.Reread.Start.Add(-time.Nanosecond)) {
		if h.sim.IsLate(r) && time.Unix(0, r.TimeUnixNano).Add(lateness).After(h.start.Add(30*time.Minute)) {
			late++
		}
	}
	require.Positive(t, late)
	requireMetricSum(t, h, "otelcol_forgelogs_late_records", late)
	m, err := h.tel.GetMetric("otelcol_forgelogs_late_record_age")
	require.NoError(t, err)
	hist := m.Data.(metricdata.Histogram[float64]).DataPoints[0]
	require.Equal(t, uint64(late), hist.Count)
	// Found by the second reading: late_arrival after the window's end, within a minute more.
	lo, _ := hist.Min.Value()
	hi, _ := hist.Max.Value()
	assert.GreaterOrEqual(t, lo, lateArrival.Seconds())
	assert.LessOrEqual(t, hi, (lateArrival + window2Minutes).Seconds())
}

// window2Minutes bounds how long after its timestamp a record's second reading comes: the
// reading coalesces a minute of windows, and waits for its turn.
const window2Minutes = 2 * time.Minute

// Without late records, the second reading hands over nothing: what the first reading delivered
// is not delivered again.
func TestSecondReadingDeliversNothingTheFirstDelivered(t *testing.T) {
	h := newLateHarness(t, 0)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 40*time.Minute)

	rereads := 0
	for _, r := range h.sim.Requests() {
		if r.Time.Sub(r.End) >= lateArrival {
			rereads++
		}
	}
	require.Positive(t, rereads, "the windows were read a second time")
	requireCompleteAndOnce(t, h, spec, invocationIDs(sink.AllLogs()))
	requireMetricSum(t, h, "otelcol_forgelogs_late_records", 0)
}

// A clean restart between the readings, or in the middle of a second reading of several pages,
// repeats nothing and loses nothing: what the first reading delivered is in the checkpoint.
func TestCleanRestartsBetweenTheReadingsRepeatNothingAndLoseNothing(t *testing.T) {
	// Pages of 10: a second reading takes four pages, and stops fall inside it. A short backlog,
	// as a window resumed after a restart is fetched again from its first page.
	h := newLateHarness(t, 0.2, func(c *forgesim.Config) { c.PageSize = 10 })
	h.start = h.clock.Now().Add(-2 * time.Minute)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	midReread := 0
	// 37 s apart, the stops fall at every point of the readings' cycle.
	for range 65 {
		h.runFor(h.newStream(spec, sink), 37*time.Second)
		if !h.committed(spec).Reread.End.IsZero() {
			midReread++
		}
	}
	require.Positive(t, midReread, "some restarts fell inside a second reading")
	assert.WithinDuration(t, h.clock.Now().Add(-lateArrival), h.committed(spec).Reread.Start, 3*time.Minute)
	requireCompleteAndOnce(t, h, spec, invocationIDs(sink.AllLogs()))
}

// Catching up reads each stretch of time once: what was already late_arrival old when first read
// is never read again, and nothing is read three times.
func TestCatchUpReadsEachWindowOnce(t *testing.T) {
	h := newLateHarness(t, 0.2)
	h.start = h.clock.Now().Add(-5 * time.Hour)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	h.runFor(h.newStream(spec, sink), 20*time.Minute)

	type reading struct{ start, end, at time.Time }
	var readings []reading
	for _, r := range h.sim.Requests() {
		if !r.Cursor {
			readings = append(readings, reading{r.Start, r.End, r.Time})
		}
	}
	rereads := 0
	for i, later := range readings {
		times := 1
		for _, earlier := range readings[:i] {
			if !maxTime(earlier.start, later.start).Before(minTime(earlier.end, later.end)) {
				continue
			}
			times++
			rereads++
			assert.True(t, earlier.end.After(earlier.at.Add(-lateArrival)),
				"window [%s, %s) read again although late_arrival old when first read at %s", earlier.start, earlier.end, earlier.at)
		}
		assert.LessOrEqual(t, times, 2, "window [%s, %s) read %d times", later.start, later.end, times)
	}
	require.Positive(t, rereads, "the windows read once caught up were read again")
	requireCompleteAndOnce(t, h, spec, invocationIDs(sink.AllLogs()))
}

// A stream whose traffic fits a page a minute spends at most one request a minute on its
// second reading.
func TestSecondReadingCostsAtMostARequestAMinute(t *testing.T) {
	h := newLateHarness(t, 0.2, func(c *forgesim.Config) { c.PageSize = 200 })
	spec := h.spec(testEnv)
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), 15*time.Minute)
	from := h.clock.Now()
	h.runFor(h.newStream(spec, &consumertest.LogsSink{}), 30*time.Minute)

	rereads := 0
	for _, r := range h.sim.Requests() {
		if !r.Time.Before(from) && r.Time.Sub(r.End) >= lateArrival {
			rereads++
		}
	}
	// 36 records a minute fit a page of 200: one request a minute, the minute's windows read as one.
	assert.LessOrEqual(t, rereads, 30+1)
	assert.GreaterOrEqual(t, rereads, 30-2, "the second reading keeps up")
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
