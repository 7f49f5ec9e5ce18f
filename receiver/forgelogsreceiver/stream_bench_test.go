package forgelogsreceiver

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// BenchmarkStreamWindow reads one 1-hour window of 200,000 records, 1,000 a page, through the
// simulator, and reports the peak heap: it must stay near one page's worth, not the window's.
func BenchmarkStreamWindow(b *testing.B) {
	const records, pageSize = 200_000, 1000
	for b.Loop() {
		h := newHarness(b, func(c *forgesim.Config) {
			c.RecordsPerSecond = records / 3600.0
			c.PageSize = pageSize
			c.RequestsPerMinute = 0
		})
		window := checkpoint.State{WindowStart: h.clock.Now().Add(-6 * time.Hour)}
		window.WindowEnd = window.WindowStart.Add(time.Hour)
		var delivered atomic.Int64
		s := h.newStream(h.spec(testEnv), consumerFunc(func(_ context.Context, logs plog.Logs) error {
			delivered.Add(int64(logs.LogRecordCount()))
			return nil
		}))
		s.walk.Caller.Budget = budget.New(h.clock, 1_000_000)

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		peak := watchPeakHeap()
		if _, err := s.readWindow(context.Background(), window); err != nil {
			b.Fatal(err)
		}
		heap := peak()
		b.ReportMetric(float64(heap-before.HeapAlloc)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(delivered.Load()), "records")
		b.ReportMetric(float64(len(h.sim.Requests())), "pages")
	}
}

// watchPeakHeap samples the heap until the returned function is called, which gives its peak.
func watchPeakHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}
