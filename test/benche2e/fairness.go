package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// fairnessFlags configure -mode fairness.
type fairnessFlags struct {
	liveApps    *int
	liveRate    *float64
	deepEnvs    *int
	deepBacklog *time.Duration
	deepRate    *float64
	delay, poll *time.Duration
	slack       *time.Duration
}

func registerFairnessFlags() fairnessFlags {
	return fairnessFlags{
		liveApps:    flag.Int("live-apps", 100, "fairness: apps with a little live traffic, one environment each"),
		liveRate:    flag.Float64("live-rate", 0.2, "fairness: records per second of each live app"),
		deepEnvs:    flag.Int("deep-envs", 3, "fairness: environments of the app with a deep backlog"),
		deepBacklog: flag.Duration("deep-backlog", 12*time.Hour, "fairness: how far back the deep app's records start (and initial_lookback)"),
		deepRate:    flag.Float64("deep-rate", 200, "fairness: records per second of each of the deep app's environments"),
		delay:       flag.Duration("delay", time.Second, "fairness: the receiver's delay"),
		poll:        flag.Duration("poll", 5*time.Second, "fairness: the receiver's poll_interval"),
		slack:       flag.Duration("slack", 3*time.Second, "fairness: what a live app's lag may exceed delay + poll_interval by"),
	}
}

func runFairness(collector string, pageSize int, f fairnessFlags, common scaleFlags) {
	minWarmup, measureFor, perMinute := *common.warmup, *common.duration, *common.rpm

	deepApp := fleet("deep", *f.deepEnvs, *f.deepEnvs)[0]
	live := fleet("live", *f.liveApps, 1)
	now := time.Now()
	deep := forgesim.New(forgesim.Config{
		Email: simEmail, Token: simToken,
		Apps:   simApps([]fleetApp{deepApp}),
		Origin: now.Add(-*f.deepBacklog), RecordsPerSecond: *f.deepRate,
		PageSize: pageSize, RequestsPerMinute: perMinute,
	})
	liveSim := forgesim.New(forgesim.Config{
		Email: simEmail, Token: simToken,
		Apps:   simApps(live),
		Origin: now.Add(-10 * time.Minute), RecordsPerSecond: *f.liveRate,
		PageSize: pageSize, RequestsPerMinute: perMinute,
	})
	// Two simulators behind one endpoint, as one API: each app's records and rate limit live in one of them.
	api := startSim(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimPrefix(r.URL.Path, "/v1/app/logs/") == deepApp.id {
			deep.ServeHTTP(w, r)
			return
		}
		liveSim.ServeHTTP(w, r)
	}))
	defer api.close()

	dir, err := os.MkdirTemp("", "benchfair")
	check(err)
	defer os.RemoveAll(dir)
	receiver := fmt.Sprintf(`    endpoint: %s
    email: %s
    api_token: %s
    delay: %s
    poll_interval: %s
    initial_lookback: %s
    requests_per_minute: %d
%s`, api.url, simEmail, simToken, *f.delay, *f.poll, *f.deepBacklog, perMinute, appsYAML(append([]fleetApp{deepApp}, live...)))
	c := startFleetCollector(collector, dir, receiver)
	defer func() { _ = c.stopCollector() }()

	// Live streams start at initial_lookback too and walk its empty hours first: measuring starts
	// once every one of them has caught up.
	bound := *f.delay + *f.poll + *f.slack
	logf("fairness: 1 deep app (%d environments) and %d live apps; waiting for every live app to catch up", *f.deepEnvs, len(live))
	time.Sleep(minWarmup)
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(time.Second) {
		samples, err := scrape(c.metricsPort)
		check(err)
		lags := liveLags(samples, live)
		caught := 0
		for _, lag := range lags {
			if lag <= bound.Seconds() {
				caught++
			}
		}
		if caught == len(live) {
			break
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("only %d of %d live apps caught up after the warm-up and 5 minutes", caught, len(live)))
		}
	}
	caughtUp := time.Since(now)

	cpu0, err := cpuOf(c.pid)
	check(err)
	before, err := scrape(c.metricsPort)
	check(err)
	start := time.Now()
	maxLag := map[string]float64{}
	for end := start.Add(measureFor); time.Now().Before(end); time.Sleep(time.Second) {
		samples, err := scrape(c.metricsPort)
		check(err)
		for app, lag := range liveLags(samples, live) {
			maxLag[app] = max(maxLag[app], lag)
		}
	}
	stop := time.Now()
	after, err := scrape(c.metricsPort)
	check(err)
	cpu1, err := cpuOf(c.pid)
	check(err)

	// The gauge moves when a stream commits or finds nothing to read; the simulator's log shows
	// what the gauge cannot: how long a live app went without an answer.
	gaps := map[string]time.Duration{}
	last := map[string]time.Time{}
	for _, req := range liveSim.Requests() {
		if req.Status != http.StatusOK || req.Time.Before(start) || req.Time.After(stop) {
			continue
		}
		prev, ok := last[req.AppID]
		if !ok {
			prev = start
		}
		gaps[req.AppID] = max(gaps[req.AppID], req.Time.Sub(prev))
		last[req.AppID] = req.Time
	}
	for _, a := range live {
		prev, ok := last[a.id]
		if !ok {
			prev = start
		}
		gaps[a.id] = max(gaps[a.id], stop.Sub(prev))
	}

	received := func(s []sample, app string) float64 {
		return sum(s, "otelcol_forgelogs_records_received", map[string]string{"app_id": app})
	}
	deepRecords := int(received(after, deepApp.id) - received(before, deepApp.id))
	liveRecords := 0
	for _, a := range live {
		liveRecords += int(received(after, a.id) - received(before, a.id))
	}
	throttled := sum(after, "otelcol_forgelogs_api_requests", map[string]string{"status_code": "429"})

	lagList, gapList := make([]float64, 0, len(live)), make([]float64, 0, len(live))
	for _, a := range live {
		lagList = append(lagList, maxLag[a.id])
		gapList = append(gapList, gaps[a.id].Seconds())
	}
	slices.Sort(lagList)
	slices.Sort(gapList)
	budgetNote := fmt.Sprintf("%d requests a minute per app", perMinute)
	if perMinute > 30 {
		budgetNote += " (lifted above the API's 30: the deep app reads as fast as the machine allows)"
	}
	fmt.Printf("\nfairness: 1 app with %d environments holding %s of backlog at %.0f records/s each, and %d live apps "+
		"(one environment, %.1f records/s); delay %s, poll_interval %s, %s; nop exporter, file_storage checkpoints\n",
		*f.deepEnvs, *f.deepBacklog, *f.deepRate, len(live), *f.liveRate, *f.delay, *f.poll, budgetNote)
	fmt.Printf("live apps caught up %s after start; measured for %s\n", caughtUp.Round(time.Second), stop.Sub(start).Round(time.Second))
	fmt.Printf("deep app: %d records (%.0f pages a minute); live apps: %d records; collector CPU %.0f%% of one core; 429s: %.0f\n",
		deepRecords, float64(deepRecords)/float64(pageSize)/stop.Sub(start).Minutes(), liveRecords,
		100*(cpu1-cpu0).Seconds()/stop.Sub(start).Seconds(), throttled)
	fmt.Printf("live apps' largest otelcol_forgelogs_checkpoint_lag (sampled every second), across apps: median %.1f s, p99 %.1f s, max %.1f s\n",
		quantile(lagList, 0.5), quantile(lagList, 0.99), lagList[len(lagList)-1])
	fmt.Printf("live apps' longest time without an answered request (simulator log), across apps: median %.1f s, p99 %.1f s, max %.1f s\n",
		quantile(gapList, 0.5), quantile(gapList, 0.99), gapList[len(gapList)-1])
	worst := max(lagList[len(lagList)-1], (*f.delay).Seconds()+gapList[len(gapList)-1])
	verdict := "within"
	if worst > bound.Seconds() {
		verdict = "NOT within"
	}
	fmt.Printf("worst live lag (max of the gauge, and delay + longest gap) %.1f s: %s delay + poll_interval + %s = %s\n",
		worst, verdict, *f.slack, bound)
}

// liveLags returns the checkpoint lag of every live app that has reported one.
func liveLags(samples []sample, live []fleetApp) map[string]float64 {
	ids := make(map[string]bool, len(live))
	for _, a := range live {
		ids[a.id] = true
	}
	out := map[string]float64{}
	for _, s := range samples {
		if strings.HasPrefix(s.name, "otelcol_forgelogs_checkpoint_lag") && ids[s.labels["app_id"]] {
			out[s.labels["app_id"]] = max(out[s.labels["app_id"]], s.value)
		}
	}
	return out
}

// quantile returns the q quantile of sorted values, by the nearest rank.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
