package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// freshFlags configure -mode fresh.
type freshFlags struct {
	streams   *int
	rate      *float64
	lateShare *float64
	lateness  *time.Duration
	duration  *time.Duration
}

func registerFreshFlags() freshFlags {
	return freshFlags{
		streams:   flag.Int("fresh-streams", 3, "fresh: environments (streams) of the one app, sharing its budget"),
		rate:      flag.Float64("fresh-rate", 2, "fresh: records per second of each environment"),
		lateShare: flag.Float64("fresh-late-share", 0.1, "fresh: share of records the API serves late"),
		lateness:  flag.Duration("fresh-lateness", 3*time.Minute, "fresh: how late the late records are served"),
		duration:  flag.Duration("fresh-duration", 15*time.Minute, "fresh: how long live traffic runs; records late_arrival + 2m old at the end are checked for completeness"),
	}
}

// arrivals is an OTLP/HTTP backend that notes when each record (by invocationId) first arrived,
// and how many times.
type arrivals struct {
	mu    sync.Mutex
	first map[string]time.Time
	times map[string]int
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(r.Body)
	req := plogotlp.NewExportRequest()
	if err == nil {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	rls := req.Logs().ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		for j := 0; j < rls.At(i).ScopeLogs().Len(); j++ {
			records := rls.At(i).ScopeLogs().At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				id, _ := records.At(k).Attributes().Get("invocationId")
				if a.times[id.Str()] == 0 {
					a.first[id.Str()] = now
				}
				a.times[id.Str()]++
			}
		}
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := plogotlp.NewExportResponse().MarshalProto()
	_, _ = w.Write(out)
}

// runFresh measures SPEC 4's freshness and completeness at the receiver's default settings: one
// app with live traffic in a few environments, a share of it served late, at the API's real
// budget of 30 requests a minute (the simulator answers 429 past it).
func runFresh(collector string, f freshFlags) {
	const perMinute = 30
	apps := fleet("fresh", *f.streams, *f.streams)
	app := apps[0]
	started := time.Now()
	sim := forgesim.New(forgesim.Config{
		Email: simEmail, Token: simToken,
		Apps:   simApps(apps),
		Origin: started.Add(-time.Minute), RecordsPerSecond: *f.rate, PageSize: 1000,
		LateShare: *f.lateShare, Lateness: *f.lateness, RequestsPerMinute: perMinute, Seed: 19,
	})
	api := startSim(sim)
	defer api.close()
	backend := &arrivals{first: map[string]time.Time{}, times: map[string]int{}}
	otlp := serve(backend)

	dir, err := os.MkdirTemp("", "benchfresh")
	check(err)
	defer os.RemoveAll(dir)
	// Nothing but what a user must set: poll_interval, delay, late_arrival and the budget are
	// the defaults.
	config := fmt.Sprintf(`
extensions:
  file_storage: {directory: %s}
receivers:
  forgelogs:
    endpoint: %s
    email: %s
    api_token: %s
    storage: file_storage
%s
exporters:
  otlphttp:
    endpoint: %s
    compression: none
    sending_queue: {enabled: false}
service:
  extensions: [file_storage]
  telemetry:
    logs: {level: warn}
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}
  pipelines:
    logs: {receivers: [forgelogs], exporters: [otlphttp]}
`, dir, api.url, simEmail, simToken, appsYAML(apps), otlp, freePort())
	cmd := startCollector(collector, dir, "fresh.yaml", config)
	logf("fresh: %d streams of one app, %.1f records/s each, %.0f%% served %s late, defaults; running %s",
		*f.streams, *f.rate, 100**f.lateShare, *f.lateness, *f.duration)
	time.Sleep(*f.duration)
	stopped := time.Now()
	stop(cmd)

	// Completeness: every record up to late_arrival (10m) and a minute of coalescing, plus a
	// minute of slack, before the end must be there once.
	checkedUntil := stopped.Add(-12 * time.Minute)
	var ages []float64
	lateWanted, lateFound, missing, duplicates, total := 0, 0, 0, 0, 0
	backend.mu.Lock()
	for _, env := range app.envs {
		for _, r := range sim.Written(app.id, env, started, stopped.Add(-30*time.Second)) {
			id := forgesim.InvocationID(env, r.Index)
			at := time.Unix(0, r.TimeUnixNano)
			n := backend.times[id]
			total++
			if n > 1 {
				duplicates += n - 1
			}
			if !sim.IsLate(r) {
				if n > 0 {
					ages = append(ages, backend.first[id].Sub(at).Seconds())
				} else {
					missing++
				}
				continue
			}
			if at.Before(checkedUntil) {
				lateWanted++
				if n > 0 {
					lateFound++
				}
			}
		}
	}
	backend.mu.Unlock()
	slices.Sort(ages)

	minutes := stopped.Sub(started).Minutes()
	perStream := map[string][2]int{}
	throttled := 0
	for _, r := range sim.Requests() {
		counts := perStream[r.EnvironmentID]
		counts[0]++
		if r.Time.Sub(r.End) >= 10*time.Minute {
			counts[1]++ // a second reading: its window is late_arrival old
		}
		perStream[r.EnvironmentID] = counts
		if r.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	fmt.Printf("\nfresh: 1 app, %d streams at %.1f records/s each, %.0f%% of records served %s late; receiver defaults "+
		"(poll_interval 5s, delay 2s, late_arrival 10m, 30 requests a minute per app); %s of live traffic\n",
		*f.streams, *f.rate, 100**f.lateShare, *f.lateness, stopped.Sub(started).Round(time.Second))
	fmt.Printf("records served at once: %d delivered, p50 %.1f s, p99 %.1f s, max %.1f s from timestamp to the exporter (goal: p99 at most 15 s); %d never delivered\n",
		len(ages), quantile(ages, 0.5), quantile(ages, 0.99), quantile(ages, 1), missing)
	fmt.Printf("records served late, timestamp before %s (late_arrival + 2m before the end): %d, found %d, missing %d\n",
		checkedUntil.Format(time.TimeOnly), lateWanted, lateFound, lateWanted-lateFound)
	fmt.Printf("duplicates: %d of %d records\n", duplicates, total)
	for _, env := range app.envs {
		c := perStream[env]
		fmt.Printf("stream %s: %.1f requests a minute, of which %.1f second readings\n", env, float64(c[0])/minutes, float64(c[1])/minutes)
	}
	fmt.Printf("429 answers: %d\n", throttled)
	if lateWanted == 0 {
		log.Printf("fresh: no late record was old enough to check; run longer than %s", 12*time.Minute)
	}
}
