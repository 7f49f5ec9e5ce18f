package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"
)

// idleCost is what a receiver holds for its streams once each has read a window and waits for
// its next poll: the memory that grows with the number of streams rather than with pages.
type idleCost struct {
	streams    int
	heap       uint64 // live heap after two collections
	stacks     uint64
	goroutines int
}

// runIdle runs the forgelogs receiver in this process, with the SDK meter provider and a JSON
// logger as in the collector, and measures the live heap and stacks of idle streams. With out
// set, it writes a heap profile of every allocation still live, for go tool pprof -diff_base.
func runIdle(pageSize int, f scaleFlags) {
	runtime.MemProfileRate = 1
	var counts []int
	for _, s := range strings.Split(*f.streams, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			check(fmt.Errorf("-streams: %q is not a positive number", s))
		}
		counts = append(counts, n)
	}
	if *f.out != "" {
		check(os.MkdirAll(*f.out, 0o755))
	}
	var results []idleCost
	for _, n := range counts {
		results = append(results, idleRun(n, pageSize, f))
	}

	fmt.Println("\nidle streams, in process: each has read one window and waits for its next poll (poll_interval 1h);")
	fmt.Println("per stream: the growth from the previous row divided by the streams added")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "streams\tlive heap MB\tstacks MB\tgoroutines\theap per stream KB\tstack per stream KB\t")
	for i, r := range results {
		perHeap, perStack := "-", "-"
		if i > 0 {
			prev := results[i-1]
			added := float64(r.streams - prev.streams)
			perHeap = fmt.Sprintf("%.1f", float64(int64(r.heap)-int64(prev.heap))/added/1024)
			perStack = fmt.Sprintf("%.1f", float64(int64(r.stacks)-int64(prev.stacks))/added/1024)
		}
		fmt.Fprintf(w, "%d\t%.1f\t%.1f\t%d\t%s\t%s\t\n", r.streams, float64(r.heap)/(1<<20), float64(r.stacks)/(1<<20), r.goroutines, perHeap, perStack)
	}
	check(w.Flush())
}

// idleRun starts a receiver of n streams, waits until every stream has read its first window,
// and measures.
func idleRun(n, pageSize int, f scaleFlags) idleCost {
	apps := fleet("idle", n, *f.perApp)
	now := time.Now()
	sim := forgesim.New(forgesim.Config{
		Email: simEmail, Token: simToken, Apps: simApps(apps),
		Origin: now.Add(-2 * time.Minute), RecordsPerSecond: 1, PageSize: pageSize,
	})
	api := startSim(sim)
	defer api.close()

	var appList []any
	for _, a := range apps {
		var envs []any
		for _, e := range a.envs {
			envs = append(envs, map[string]any{"id": e})
		}
		appList = append(appList, map[string]any{"app_id": a.id, "environments": envs})
	}
	factory := forgelogsreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	check(confmap.NewFromStringMap(map[string]any{
		"endpoint": api.url, "email": simEmail, "api_token": simToken,
		"delay": "1s", "poll_interval": "1h", "initial_lookback": "1m", "requests_per_minute": 6000,
		"apps": appList,
	}).Unmarshal(cfg))

	settings := receivertest.NewNopSettings(factory.Type())
	meters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer func() { _ = meters.Shutdown(context.Background()) }()
	settings.MeterProvider = meters
	settings.Logger = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.WarnLevel))

	// Each stream's first window holds about a minute of records: one page, one hand-over.
	var pagesTaken atomic.Int64
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		pagesTaken.Add(1)
		return nil
	})
	check(err)
	rcv, err := factory.CreateLogs(context.Background(), settings, cfg, next)
	check(err)
	check(rcv.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { check(rcv.Shutdown(context.Background())) }()
	for deadline := time.Now().Add(5 * time.Minute); pagesTaken.Load() < int64(n); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			check(fmt.Errorf("idle: only %d of %d streams delivered their first window", pagesTaken.Load(), n))
		}
	}
	time.Sleep(time.Second) // every stream commits and goes to sleep

	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cost := idleCost{streams: n, heap: ms.HeapAlloc, stacks: ms.StackInuse, goroutines: runtime.NumGoroutine()}
	if *f.out != "" {
		file, err := os.Create(filepath.Join(*f.out, fmt.Sprintf("idle-heap-%d-streams.pb.gz", n)))
		check(err)
		check(pprof.Lookup("heap").WriteTo(file, 0))
		check(file.Close())
	}
	logf("idle: %d streams: live heap %.1f MB, stacks %.1f MB, %d goroutines", n, float64(cost.heap)/(1<<20), float64(cost.stacks)/(1<<20), cost.goroutines)
	return cost
}
