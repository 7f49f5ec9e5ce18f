package forgelogsreceiver

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// Backfilling uses the fewest requests the API allows: 1-hour windows, each read in full pages,
// no request wasted on an empty page or a repeated one.
func TestCatchUpUsesTheFewestRequests(t *testing.T) {
	h := newHarness(t)
	spec := h.spec(testEnv)
	sink := &consumertest.LogsSink{}
	// Run until the 3 hours of backlog are read, and no further.
	h.runFor(h.newStream(spec, sink), 8*time.Minute)

	const pageSize = 200
	type window struct{ start, end time.Time }
	pages := map[window]int{}
	var order []window
	for _, r := range h.sim.Requests() {
		require.Equal(t, http.StatusOK, r.Status)
		w := window{r.Start, r.End}
		if pages[w] == 0 {
			order = append(order, w)
		}
		pages[w]++
	}
	require.GreaterOrEqual(t, len(order), 3)
	for _, w := range order[:2] { // the third holds the rest of the backlog, up to now - delay
		assert.Equal(t, time.Hour, w.end.Sub(w.start), "a full window while behind")
	}
	for _, w := range order {
		records := len(h.sim.Visible(testApp, testEnv, w.start, w.end.Add(time.Millisecond-1)))
		minimum := max(1, (records+pageSize-1)/pageSize)
		assert.Equal(t, minimum, pages[w], "requests for the %d records of [%s, %s)", records, w.start, w.end)
	}
}

// While behind, the next window follows at once: the two whole hours of backlog (6 pages of at
// most 200 of 1,083 records each), then the rest up to now - delay, all spaced by the budget
// alone, 2.04 s at 30 a minute. Only once less than a poll interval of logs waits does the
// stream wait for the rest of its poll interval.
func TestStreamReadsTheBacklogBackToBack(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	h.runFor(h.newStream(h.spec(testEnv), &consumertest.LogsSink{}), 3*time.Minute)

	requests := h.sim.Requests()
	rest := h.start.Add(2 * time.Hour)
	next := slices.IndexFunc(requests, func(r forgesim.Request) bool { return r.Start.After(rest) })
	require.Greater(t, next, 12, "the rest of the backlog took at least one request")
	for i, r := range requests[:next] {
		require.Equal(t, time.Duration(i)*2040*time.Millisecond, r.Time.Sub(start), "request %d", i)
		require.Equal(t, h.start.Add(min(time.Duration(i/6), 2)*time.Hour), r.Start, "request %d", i)
	}
	// Planned when the second hour's last page arrived, the rest ends one delay before its own
	// request, a turn of the budget later.
	assert.Equal(t, requests[12].Time.Add(-time.Minute), requests[12].End)
	// The window after them comes one poll interval after the rest was planned: polls keep
	// their cadence, however long a window's pages took.
	assert.Equal(t, requests[11].Time.Add(time.Minute), requests[next].Time)
}
