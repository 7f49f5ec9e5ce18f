package forgesim

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A late record is missing from a window until Lateness after its timestamp, then served in its
// place, by the API and by Visible alike.
func TestLateRecordsAreServedLatenessAfterTheirTimestamp(t *testing.T) {
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	cfg := Config{
		Email: "u@example.com", Token: "tok", Apps: map[string][]string{"app": {"env"}},
		Origin: now.Add(-10 * time.Minute), RecordsPerSecond: 3, PageSize: 5000,
		LateShare: 0.1, Lateness: 3 * time.Minute, Seed: 3,
		Now: func() time.Time { return time.Unix(0, clock.Load()).UTC() },
	}
	sim := New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)

	start, end := now.Add(-2*time.Minute), now.Add(-time.Minute)
	all := 3 * 60 // 3 records a second for a minute
	status, early, _ := get(t, srv, "app", window(start, end), true)
	require.Equal(t, http.StatusOK, status)
	late := 0
	for i := sim.timeline.first(start); sim.timeline.at(i).Before(end); i++ {
		if sim.IsLate(sim.record("app", "env", i)) {
			late++
		}
	}
	// One in ten, give or take what 180 dice throw.
	assert.InDelta(t, all/10, late, 10)
	// The end bound is inclusive: the group on it comes too.
	assert.Len(t, early.AppLogs, all-late+3)
	assert.Len(t, sim.Visible("app", "env", start, end.Add(-time.Millisecond)), all-late)

	clock.Store(now.Add(2 * time.Minute).UnixNano()) // every record of the window 3 minutes old
	_, later, _ := get(t, srv, "app", window(start, end), true)
	assert.Len(t, later.AppLogs, all+3)
	assert.Len(t, sim.Visible("app", "env", start, end.Add(-time.Millisecond)), all)
	assert.Len(t, sim.Written("app", "env", start, end.Add(-time.Millisecond)), all, "written, served or not")
}

func TestNoLateRecordsByDefault(t *testing.T) {
	sim := New(Config{Origin: now, RecordsPerSecond: 1, Sites: []string{"s"}, Now: func() time.Time { return now }})
	for i := range int64(1000) {
		require.False(t, sim.IsLate(sim.record("app", "env", i)))
	}
}
