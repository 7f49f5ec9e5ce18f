package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// scaleFlags configure -mode scale.
type scaleFlags struct {
	streams  *string
	perApp   *int
	warmup   *time.Duration
	duration *time.Duration
	backlog  *time.Duration
	rate     *float64
	rpm      *int
	out      *string
}

func registerScaleFlags() scaleFlags {
	return scaleFlags{
		streams:  flag.String("streams", "1,100,300,1000", "scale, idle: stream counts to measure, one run each"),
		perApp:   flag.Int("envs-per-app", 3, "scale, idle: environments per app (the last app may have fewer)"),
		warmup:   flag.Duration("warmup", 30*time.Second, "scale, fairness: time before measuring starts"),
		duration: flag.Duration("duration", 90*time.Second, "scale, fairness: how long each run is measured, after the warm-up"),
		backlog:  flag.Duration("backlog", 3*time.Hour, "scale: how far back every environment's records start"),
		rate:     flag.Float64("rate", 20, "scale: records per second per environment (20: 72 full pages per 1-hour window)"),
		rpm:      flag.Int("rpm", 30, "scale, fairness: requests per minute per app, in the receiver and the simulator"),
		out: flag.String("out", "", "scale, idle: directory to save each run's heap profile, goroutine profile (at the sample with the most\n"+
			"goroutines), collector log and the simulator's request log into, to see where memory goes"),
	}
}

// scaleResult is one run of -mode scale.
type scaleResult struct {
	streams, apps      int
	records            int
	budgetRecords      int
	peakRSSKB          int // VmHWM over the whole run
	steadyRSSKB        int // largest VmRSS sampled while measuring
	startRSSKB         int // VmRSS when measuring started
	heapInuse, stacks  int64
	goroutines, socks  int
	conns              int // connections the simulator accepted
	cpu, simCPU        time.Duration
	requests, throttle int
	failed             int
	minApp, maxApp     int // records of the least and most served app
}

func (r scaleResult) cpuPerMillion() float64 {
	if r.records == 0 {
		return 0
	}
	return r.cpu.Seconds() / float64(r.records) * 1e6
}

func runScale(collector string, pageSize int, f scaleFlags) {
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
	var results []scaleResult
	for _, n := range counts {
		results = append(results, scaleRun(collector, pageSize, n, f))
	}

	fmt.Printf("\nscale: %d records/s per environment from %s back, pages of %d, %d requests a minute per app; "+
		"warm-up %s, measured %s; nop exporter, file_storage checkpoints\n",
		int(*f.rate), *f.backlog, pageSize, *f.rpm, *f.warmup, *f.duration)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "streams\tapps\trecords\tof budget\tpeak RSS MB\tRSS start-end MB\theap in use MB\tstacks MB\tgoroutines\tsockets\tnew connections\tCPU s\tCPU s per 1M\tsimulator CPU s\trecords per app min-max\t429s\tfailed\t")
	for _, r := range results {
		fmt.Fprintf(w, "%d\t%d\t%d\t%.0f%%\t%.0f\t%.0f-%.0f\t%.1f\t%.1f\t%d\t%d\t%d\t%.2f\t%.2f\t%.1f\t%d-%d\t%d\t%d\t\n",
			r.streams, r.apps, r.records, 100*float64(r.records)/float64(r.budgetRecords),
			mb(r.peakRSSKB), mb(r.startRSSKB), mb(r.steadyRSSKB), float64(r.heapInuse)/(1<<20), float64(r.stacks)/(1<<20),
			r.goroutines, r.socks, r.conns, r.cpu.Seconds(), r.cpuPerMillion(), r.simCPU.Seconds(), r.minApp, r.maxApp, r.throttle, r.failed)
	}
	check(w.Flush())
	fmt.Println("\nrecords, CPU, new connections and \"of budget\" count the measured span only; peak RSS is VmHWM over the whole run;")
	fmt.Println("heap, stacks, goroutines and sockets are the largest of the samples taken every 5 s while measuring;")
	fmt.Println("the simulator runs in this process and is not counted in the collector's CPU; failed counts the whole run.")
}

func mb(kb int) float64 { return float64(kb) / 1024 }

func scaleRun(collector string, pageSize, streams int, f scaleFlags) scaleResult {
	apps := fleet("scale", streams, *f.perApp)
	now := time.Now()
	sim := forgesim.New(forgesim.Config{
		Email: simEmail, Token: simToken,
		Apps:              simApps(apps),
		Origin:            now.Add(-*f.backlog - time.Minute),
		RecordsPerSecond:  *f.rate,
		PageSize:          pageSize,
		RequestsPerMinute: *f.rpm,
	})
	api := startSim(sim)
	defer api.close()

	dir, err := os.MkdirTemp("", "benchscale")
	check(err)
	defer os.RemoveAll(dir)
	receiver := fmt.Sprintf(`    endpoint: %s
    email: %s
    api_token: %s
    initial_lookback: %s
    requests_per_minute: %d
%s`, api.url, simEmail, simToken, *f.backlog, *f.rpm, appsYAML(apps))
	c := startFleetCollector(collector, dir, receiver)
	rss := sampleRSS(c.pid, 250*time.Millisecond)
	logf("scale: %d streams of %d apps started (collector pid %d); warming up for %s", streams, len(apps), c.pid, *f.warmup)

	time.Sleep(*f.warmup)
	cpu0, err := cpuOf(c.pid)
	check(err)
	sim0, err := cpuOf(os.Getpid())
	check(err)
	before, err := scrape(c.metricsPort)
	check(err)
	conns0 := api.conns.Load()
	measureStart := time.Now()
	startRSS, _ := statusKB(c.pid, "VmRSS")

	var r scaleResult
	r.streams, r.apps, r.startRSSKB = streams, len(apps), startRSS
	for end := measureStart.Add(*f.duration); time.Now().Before(end); {
		time.Sleep(min(5*time.Second, time.Until(end)))
		if n, err := goroutines(c.pprofPort); err == nil && n > r.goroutines {
			r.goroutines = n
			if *f.out != "" {
				check(saveProfile(c.pprofPort, "goroutine?debug=1", filepath.Join(*f.out, fmt.Sprintf("goroutines-%d-streams.txt", streams))))
			}
		}
		if stats, err := memStats(c.pprofPort); err == nil {
			r.heapInuse = max(r.heapInuse, stats["HeapInuse"])
			r.stacks = max(r.stacks, stats["Stack"])
		}
		r.socks = max(r.socks, sockets(c.pid))
	}
	cpu1, err := cpuOf(c.pid)
	check(err)
	sim1, err := cpuOf(os.Getpid())
	check(err)
	after, err := scrape(c.metricsPort)
	check(err)
	measured := time.Since(measureStart)
	r.conns = int(api.conns.Load() - conns0)
	if *f.out != "" {
		check(saveProfile(c.pprofPort, "heap", filepath.Join(*f.out, fmt.Sprintf("heap-%d-streams.pb.gz", streams))))
		check(saveRequests(sim, filepath.Join(*f.out, fmt.Sprintf("requests-%d-streams.json", streams))))
	}
	r.peakRSSKB, err = statusKB(c.pid, "VmHWM")
	check(err)
	check(c.stopCollector())
	if *f.out != "" {
		logs, err := os.ReadFile(c.logPath)
		check(err)
		check(os.WriteFile(filepath.Join(*f.out, fmt.Sprintf("collector-%d-streams.log", streams)), logs, 0o644))
	}
	samples := rss.stop()
	r.steadyRSSKB = maxKB(samples, measureStart.Sub(now))

	r.cpu, r.simCPU = cpu1-cpu0, sim1-sim0
	accepted := func(s []sample) float64 {
		return sum(s, "otelcol_receiver_accepted_log_records", map[string]string{"receiver": "forgelogs"})
	}
	r.records = int(accepted(after) - accepted(before))
	r.budgetRecords = int(float64(len(apps)*(*f.rpm)*pageSize) * measured.Minutes())
	requests := func(s []sample, status string) float64 {
		match := map[string]string{}
		if status != "" {
			match["status_code"] = status
		}
		return sum(s, "otelcol_forgelogs_api_requests", match)
	}
	r.requests = int(requests(after, "") - requests(before, ""))
	r.throttle = int(requests(after, "429") - requests(before, "429"))
	r.failed = c.logLines("Request failed; retrying")
	var perApp []int
	for _, a := range apps {
		match := map[string]string{"app_id": a.id}
		perApp = append(perApp, int(sum(after, "otelcol_forgelogs_records_received", match)-sum(before, "otelcol_forgelogs_records_received", match)))
	}
	r.minApp, r.maxApp = slices.Min(perApp), slices.Max(perApp)
	logf("scale: %d streams: %d records in %s, %d requests, peak RSS %.0f MB, %d goroutines, %.2f CPU s per 1M records",
		streams, r.records, measured.Round(time.Second), r.requests, mb(r.peakRSSKB), r.goroutines, r.cpuPerMillion())
	return r
}

// saveRequests writes the simulator's request log, one JSON object a line.
func saveRequests(sim *forgesim.Server, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range sim.Requests() {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
