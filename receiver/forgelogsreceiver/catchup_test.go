package forgelogsreceiver

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
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
