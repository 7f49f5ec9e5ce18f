// Command benche2e measures the end-to-end cost of getting Forge app logs into a collector, in one
// run on one machine, two ways:
//
//   - forgelogs: bin/otelcol-forge polls the simulator with the forgelogs receiver and exports to nop;
//   - sidecar: the documented pattern, a poller in the style of Atlassian's sample that follows the
//     cursor and POSTs each page, wrapped as resourceLogs, to the same distribution's OTLP/HTTP
//     receiver, which exports to nop.
//
// It reports CPU seconds (user + system, from the kernel's accounting of each process) and peak RSS
// per million records. The simulator runs inside this process and is not counted. Run it with
// `make bench-e2e`.
//
// Two more modes measure one collector polling many apps at the API's real budget of 30 requests
// a minute per app (`make bench-scale`): -mode scale (memory, goroutines and CPU as streams are
// added) and -mode fairness (the checkpoint lag of live apps beside an app with a deep backlog).
// -mode idle runs the receiver in this process to measure what an idle stream holds. -mode fresh
// (`make bench-fresh`) measures freshness and late records at the receiver's default settings.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

const (
	simApp, simEnv = "bench-app", "bench-env"
	simEmail       = "bench@example.com"
	simToken       = "bench-token"
	backlog        = 2 * time.Hour
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "poller" {
		poller(os.Args[2:])
		return
	}
	mode := flag.String("mode", "compare", "compare (forgelogs against cron + sidecar), scale, fairness, idle (in process) or fresh")
	records := flag.Int("records", 1_000_000, "compare: records the simulator serves")
	pageSize := flag.Int("page-size", 1000, "records per API page")
	collector := flag.String("collector", "bin/otelcol-forge", "the built distribution")
	scaleOpts := registerScaleFlags()
	fairOpts := registerFairnessFlags()
	freshOpts := registerFreshFlags()
	flag.Parse()
	switch *mode {
	case "compare":
		compare(*collector, *records, *pageSize)
	case "scale":
		runScale(*collector, *pageSize, scaleOpts)
	case "fairness":
		runFairness(*collector, *pageSize, fairOpts, scaleOpts)
	case "idle":
		runIdle(*pageSize, scaleOpts)
	case "fresh":
		runFresh(*collector, freshOpts)
	default:
		log.Fatalf("-mode: want compare, scale, fairness, idle or fresh, got %q", *mode)
	}
}

// compare measures the forgelogs receiver and the cron + sidecar pattern on the same records.
func compare(collector string, records, pageSize int) {
	// Records of the last two hours, frozen: both patterns read exactly the same data.
	end := time.Now().Add(-5 * time.Minute).Truncate(time.Second)
	origin := end.Add(-backlog)
	sim := forgesim.New(forgesim.Config{
		Email: simEmail, Token: simToken,
		Apps:              map[string][]string{simApp: {simEnv}},
		Origin:            origin,
		RecordsPerSecond:  float64(records) / backlog.Seconds(),
		PageSize:          pageSize,
		RequestsPerMinute: 0, // lifted: the simulator is on loopback
		Now:               func() time.Time { return end },
	})
	api := serve(sim)
	total := len(sim.Visible(simApp, simEnv, origin, end))
	log.Printf("simulator on %s serves %d records from %s to %s", api, total, origin.Format(time.RFC3339), end.Format(time.RFC3339))

	dir, err := os.MkdirTemp("", "benche2e")
	check(err)
	defer os.RemoveAll(dir)

	forge := runForgelogs(collector, dir, api, origin, total)
	sidecar := runSidecar(collector, dir, api, origin, end, total)

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "pattern\trecords\tCPU s\tCPU s per 1M records\tpeak RSS MB\twall s")
	for _, r := range []result{forge, sidecar} {
		fmt.Fprintf(w, "%s\t%d\t%.2f\t%.2f\t%.0f\t%.1f\n", r.name, r.records, r.cpu.Seconds(), r.cpuPerMillion(), r.rssMB, r.wall.Seconds())
	}
	check(w.Flush())
	fmt.Printf("\nsidecar / forgelogs CPU per record: %.1fx (goal: at least 8x)\n", sidecar.cpuPerMillion()/forge.cpuPerMillion())
}

type result struct {
	name    string
	records int
	cpu     time.Duration
	rssMB   float64
	wall    time.Duration
}

func (r result) cpuPerMillion() float64 { return r.cpu.Seconds() / float64(r.records) * 1e6 }

// cpuTime returns the CPU time the kernel accounted to a finished process.
func cpuTime(state *os.ProcessState) time.Duration {
	return state.UserTime() + state.SystemTime()
}

// watchRSS follows a process's peak RSS (VmHWM) until it exits, and returns it in MB then. The
// kernel's ru_maxrss is no use here: it counts the parent's memory from before exec.
func watchRSS(pid int) func() float64 {
	var peakKB int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err != nil {
				return
			}
			for _, line := range strings.Split(string(status), "\n") {
				if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
					peakKB = max(peakKB, kb)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() float64 {
		<-done
		return float64(peakKB) / 1024
	}
}

func runForgelogs(collector, dir, api string, origin time.Time, total int) result {
	metricsPort := freePort()
	receiver := fmt.Sprintf(`
  forgelogs:
    endpoint: %s
    email: %s
    api_token: %s
    delay: 1s
    poll_interval: 1s
    initial_lookback: %s # a minute before the first record: the simulator has none earlier
    requests_per_minute: 600000
    apps:
      - app_id: %s
        environments: [{id: %s}]`, api, simEmail, simToken, (time.Since(origin) + time.Minute).Round(time.Second), simApp, simEnv)
	config := collectorConfig(receiver, "forgelogs", metricsPort)
	cmd := startCollector(collector, dir, "forgelogs.yaml", config)
	rss := watchRSS(cmd.Process.Pid)
	start := time.Now()
	waitAccepted(metricsPort, "forgelogs", total)
	wall := time.Since(start)
	state := stop(cmd)
	return result{name: "forgelogs receiver", records: total, cpu: cpuTime(state), rssMB: rss(), wall: wall}
}

func runSidecar(collector, dir, api string, origin, end time.Time, total int) result {
	metricsPort, otlpPort := freePort(), freePort()
	receiver := fmt.Sprintf(`
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:%d}`, otlpPort)
	config := collectorConfig(receiver, "otlp", metricsPort)
	sidecar := startCollector(collector, dir, "sidecar.yaml", config)
	sidecarRSS := watchRSS(sidecar.Process.Pid)
	waitReady(metricsPort)

	self, err := os.Executable()
	check(err)
	start := time.Now()
	poll := exec.Command(self, "poller", api, fmt.Sprintf("http://127.0.0.1:%d/v1/logs", otlpPort),
		strconv.FormatInt(origin.UnixMilli(), 10), strconv.FormatInt(end.UnixMilli(), 10))
	poll.Stdout, poll.Stderr = os.Stderr, os.Stderr
	check(poll.Start())
	pollerRSS := watchRSS(poll.Process.Pid)
	check(poll.Wait())
	// The poller's windows end inclusively, like the receiver's; the sidecar counts what it got.
	delivered := accepted(metricsPort, "otlp")
	wall := time.Since(start)
	collectorCPU := cpuTime(stop(sidecar))
	pollerCPU := cpuTime(poll.ProcessState)
	rss, pollerMB := sidecarRSS(), pollerRSS()
	log.Printf("sidecar pattern: poller %.2f CPU s, %.0f MB; sidecar collector %.2f CPU s, %.0f MB",
		pollerCPU.Seconds(), pollerMB, collectorCPU.Seconds(), rss)
	if delivered < total {
		log.Printf("sidecar pattern delivered %d of %d records", delivered, total)
	}
	return result{name: "cron poller + sidecar", records: delivered, cpu: collectorCPU + pollerCPU, rssMB: rss + pollerMB, wall: wall}
}

// poller is the documented cron job: for each window, fetch pages following the cursor, decode
// each response, wrap its appLogs as OTLP resourceLogs and POST them to the sidecar.
func poller(args []string) {
	api, sidecar := args[0], args[1]
	from, _ := strconv.ParseInt(args[2], 10, 64)
	until, _ := strconv.ParseInt(args[3], 10, 64)
	client := &http.Client{Timeout: time.Minute}
	for start := time.UnixMilli(from); start.Before(time.UnixMilli(until)); start = start.Add(time.Hour) {
		end := min(start.Add(time.Hour).UnixMilli(), until)
		cursor := ""
		for {
			q := url.Values{}
			q.Set("environmentId", simEnv)
			q.Set("startDate", start.UTC().Format("2006-01-02T15:04:05.000Z"))
			q.Set("endDate", time.UnixMilli(end).UTC().Format("2006-01-02T15:04:05.000Z"))
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			req, _ := http.NewRequest(http.MethodGet, api+"/v1/app/logs/"+simApp+"?"+q.Encode(), nil)
			req.SetBasicAuth(simEmail, simToken)
			req.Header.Set("Accept", "application/json")
			resp, err := client.Do(req)
			check(err)
			var data map[string]any
			check(json.NewDecoder(resp.Body).Decode(&data))
			resp.Body.Close()
			padTraceIDs(data["appLogs"])

			logs := map[string]any{"resourceLogs": []any{map[string]any{
				"resource": map[string]any{"attributes": []any{map[string]any{
					"key": "service.name", "value": map[string]any{"stringValue": "my.service"},
				}}},
				"scopeLogs": []any{map[string]any{
					"scope":      map[string]any{"name": "my.library", "version": "1.0.0"},
					"logRecords": data["appLogs"],
				}},
			}}}
			body, err := json.Marshal(logs)
			check(err)
			post, err := client.Post(sidecar, "application/json", bytes.NewReader(body))
			check(err)
			_, _ = io.Copy(io.Discard, post.Body)
			post.Body.Close()
			if post.StatusCode != http.StatusOK {
				log.Fatalf("sidecar answered %s", post.Status) // the parent stops the sidecar
			}
			next, _ := data["cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
	}
}

// padTraceIDs widens 64-bit trace ids (the simulator's, and possibly Forge Remote's B3 ones) to
// the 128 bits OTLP/JSON requires: the sidecar refuses a whole page (400) for one short id, so a
// working poller has to.
func padTraceIDs(records any) {
	list, _ := records.([]any)
	for _, r := range list {
		if rec, ok := r.(map[string]any); ok {
			if id, ok := rec["traceId"].(string); ok && len(id) == 16 {
				rec["traceId"] = "0000000000000000" + id
			}
		}
	}
}

// children are the collectors started, stopped by check when the benchmark fails.
var children []*exec.Cmd

// collectorConfig is a pipeline from one receiver to nop, with the metrics the benchmark reads.
func collectorConfig(receiver, name string, metricsPort int) string {
	return fmt.Sprintf(`
receivers:%s
exporters:
  nop:
service:
  telemetry:
    logs: {level: warn}
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}
  pipelines:
    logs: {receivers: [%s], exporters: [nop]}
`, receiver, metricsPort, name)
}

func startCollector(bin, dir, name, config string) *exec.Cmd {
	path := filepath.Join(dir, name)
	check(os.WriteFile(path, []byte(config), 0o600))
	cmd := exec.Command(bin, "--config", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Start())
	children = append(children, cmd)
	return cmd
}

func stop(cmd *exec.Cmd) *os.ProcessState {
	check(cmd.Process.Signal(syscall.SIGTERM))
	_ = cmd.Wait()
	return cmd.ProcessState
}

// accepted reads otelcol_receiver_accepted_log_records of a receiver from the collector's metrics.
func accepted(port int, receiver string) int {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "otelcol_receiver_accepted_log_records") && strings.Contains(line, `receiver="`+receiver+`"`) {
			fields := strings.Fields(line)
			n, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
			return int(n)
		}
	}
	return 0
}

func waitReady(port int) {
	for accepted(port, "") < 0 {
		time.Sleep(50 * time.Millisecond)
	}
}

func waitAccepted(port int, receiver string, total int) {
	deadline := time.Now().Add(30 * time.Minute)
	for accepted(port, receiver) < total {
		if time.Now().After(deadline) {
			log.Fatalf("%s: fewer than %d records after 30 minutes", receiver, total)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func serve(h http.Handler) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() { _ = http.Serve(l, h) }()
	return "http://" + l.Addr().String()
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func check(err error) {
	if err != nil {
		for _, c := range children {
			if c.ProcessState == nil {
				_ = c.Process.Kill()
			}
		}
		log.Fatal(err)
	}
}
