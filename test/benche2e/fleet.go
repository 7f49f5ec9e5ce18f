package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// fleetApp is one Forge app of a many-app benchmark and its environments.
type fleetApp struct {
	id   string
	envs []string
}

// uuidOf makes a stable id shaped like the API's app and environment ids, whose length the
// receiver's labels and checkpoint keys carry.
func uuidOf(kind string, i int) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(kind))
	return fmt.Sprintf("%08x-%04x-4000-8000-%012x", h.Sum32(), i%0x10000, i)
}

// fleet returns apps holding streams environments in all, perApp at most to an app.
func fleet(kind string, streams, perApp int) []fleetApp {
	var apps []fleetApp
	for n := 0; n < streams; {
		app := fleetApp{id: uuidOf(kind+"-app", len(apps))}
		for e := 0; e < perApp && n < streams; e, n = e+1, n+1 {
			app.envs = append(app.envs, uuidOf(kind+"-env", n))
		}
		apps = append(apps, app)
	}
	return apps
}

func simApps(apps []fleetApp) map[string][]string {
	out := make(map[string][]string, len(apps))
	for _, a := range apps {
		out[a.id] = a.envs
	}
	return out
}

// appsYAML renders the receiver's apps list.
func appsYAML(apps []fleetApp) string {
	var b strings.Builder
	b.WriteString("    apps:\n")
	for _, a := range apps {
		fmt.Fprintf(&b, "      - app_id: %s\n        environments:\n", a.id)
		for _, e := range a.envs {
			fmt.Fprintf(&b, "          - id: %s\n", e)
		}
	}
	return b.String()
}

// fleetCollector is a collector started for a many-app benchmark: the forgelogs receiver with
// file_storage checkpoints, the nop exporter, the Prometheus endpoint and the pprof extension.
type fleetCollector struct {
	cmd                    *exec.Cmd
	pid                    int
	metricsPort, pprofPort int
	logPath                string
	stopCollector          func() error
}

// startFleetCollector writes the configuration into dir and starts the collector; receiver is
// the body of the forgelogs receiver's section.
func startFleetCollector(bin, dir, receiver string) *fleetCollector {
	metricsPort, pprofPort := freePort(), freePort()
	storage := filepath.Join(dir, "storage")
	check(os.MkdirAll(storage, 0o700))
	config := fmt.Sprintf(`
extensions:
  file_storage: {directory: %s}
  pprof: {endpoint: 127.0.0.1:%d}
receivers:
  forgelogs:
    storage: file_storage
%s
exporters:
  nop:
service:
  extensions: [file_storage, pprof]
  telemetry:
    logs: {level: warn}
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}
  pipelines:
    logs: {receivers: [forgelogs], exporters: [nop]}
`, storage, pprofPort, receiver, metricsPort)
	path := filepath.Join(dir, "collector.yaml")
	check(os.WriteFile(path, []byte(config), 0o600))
	logPath := filepath.Join(dir, "collector.log")
	logFile, err := os.Create(logPath)
	check(err)
	cmd := exec.Command(bin, "--config", path)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	check(cmd.Start())
	children = append(children, cmd)
	c := &fleetCollector{
		cmd: cmd, pid: cmd.Process.Pid, metricsPort: metricsPort, pprofPort: pprofPort, logPath: logPath,
		stopCollector: func() error {
			defer logFile.Close()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				return err
			}
			return cmd.Wait()
		},
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := scrape(metricsPort); err == nil {
			return c
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("collector not ready after a minute; see %s", logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logLines counts the lines of the collector's log that contain text.
func (c *fleetCollector) logLines(text string) int {
	data, err := os.ReadFile(c.logPath)
	if err != nil {
		return 0
	}
	return strings.Count(string(data), text)
}

// simServer serves h on loopback until closed, counting the connections it accepts.
type simServer struct {
	url   string
	srv   *http.Server
	conns atomic.Int64
}

func startSim(h http.Handler) *simServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	s := &simServer{url: "http://" + l.Addr().String()}
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnState: func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}}
	go func() { _ = s.srv.Serve(l) }()
	return s
}

func (s *simServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
}

// logf prints progress to stderr, so that stdout holds only the results.
func logf(format string, args ...any) { log.Printf(format, args...) }
