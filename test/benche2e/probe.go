package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on
// every Linux platform Go supports.
const clockTicks = 100

// cpuOf returns the user + system time the kernel accounted to a running process so far.
func cpuOf(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: fields are counted after it.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
	fields := strings.Fields(rest)
	// utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// statusKB returns a field of /proc/<pid>/status that is counted in kB, such as VmRSS or VmHWM.
func statusKB(pid int, field string) (int, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// sockets counts a process's open sockets: its connections to the API, mostly.
func sockets(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}

// rssSampler records a process's resident set every interval until it exits or stop is called.
type rssSampler struct {
	mu      sync.Mutex
	samples []rssSample
	done    chan struct{}
	stopped chan struct{}
}

type rssSample struct {
	at time.Duration
	kb int
}

func sampleRSS(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{done: make(chan struct{}), stopped: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(s.done)
		for {
			kb, err := statusKB(pid, "VmRSS")
			if err != nil {
				return
			}
			s.mu.Lock()
			s.samples = append(s.samples, rssSample{at: time.Since(start), kb: kb})
			s.mu.Unlock()
			select {
			case <-s.stopped:
				return
			case <-time.After(interval):
			}
		}
	}()
	return s
}

// stop ends sampling and returns the samples.
func (s *rssSampler) stop() []rssSample {
	close(s.stopped)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// maxKB returns the largest resident set sampled at or after from.
func maxKB(samples []rssSample, from time.Duration) int {
	peak := 0
	for _, s := range samples {
		if s.at >= from {
			peak = max(peak, s.kb)
		}
	}
	return peak
}

// sample is one series of the collector's Prometheus endpoint.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads the collector's own metrics in the Prometheus text format.
func scrape(port int) ([]sample, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []sample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if s, ok := parseSample(line); ok {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

// parseSample reads `name{k="v",...} value`; label values here hold no escaped quotes but may.
func parseSample(line string) (sample, bool) {
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, false
	}
	s.name = line[:i]
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for len(rest) > 0 && rest[0] != '}' {
			eq := strings.IndexByte(rest, '=')
			if eq < 0 || len(rest) < eq+2 || rest[eq+1] != '"' {
				return s, false
			}
			key := rest[:eq]
			rest = rest[eq+2:]
			var value strings.Builder
			for len(rest) > 0 && rest[0] != '"' {
				if rest[0] == '\\' && len(rest) > 1 {
					rest = rest[1:]
				}
				value.WriteByte(rest[0])
				rest = rest[1:]
			}
			if len(rest) == 0 {
				return s, false
			}
			s.labels[key] = value.String()
			rest = strings.TrimPrefix(rest[1:], ",")
		}
		rest = strings.TrimPrefix(rest, "}")
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return s, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	s.value = v
	return s, err == nil
}

// sum adds the series of name whose labels include every pair of match.
func sum(samples []sample, name string, match map[string]string) float64 {
	total := 0.0
	for _, s := range samples {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range match {
			if s.labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			total += s.value
		}
	}
	return total
}

// goroutines reads the number of goroutines from the pprof extension's goroutine profile.
func goroutines(pprofPort int) (int, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/goroutine?debug=1", pprofPort))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	first, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		return 0, err
	}
	n, ok := strings.CutPrefix(strings.TrimSpace(first), "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("unexpected goroutine profile: %q", first)
	}
	return strconv.Atoi(n)
}

// memStats reads the Go runtime's memory statistics printed at the end of the text heap profile.
func memStats(pprofPort int) (map[string]int64, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/heap?debug=1", pprofPort))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	stats := map[string]int64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		// Lines such as "# HeapInuse = 12345", or "# Stack = 12345 / 67890" (in use / obtained).
		name, value, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "# "), " = ")
		if !ok || strings.ContainsAny(name, " []") {
			continue
		}
		value, _, _ = strings.Cut(value, " / ")
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			stats[name] = n
		}
	}
	return stats, sc.Err()
}

// saveProfile writes one of the pprof extension's profiles, such as "heap", for go tool pprof.
func saveProfile(pprofPort int, profile, path string) error {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", pprofPort, profile))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
