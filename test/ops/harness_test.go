//go:build ops

package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tool returns the path of a binary the Makefile installed and passes in env.
func tool(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	require.NotEmptyf(t, path, "%s is not set: run make ops-check", env)
	_, err := os.Stat(path)
	require.NoErrorf(t, err, "%s=%s", env, path)
	return path
}

func repoBinary(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(repoRoot, "bin", name)
	_, err := os.Stat(path)
	require.NoErrorf(t, err, "build it first: make build sim")
	return path
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// start runs a command until the test ends, and prints its output if the test failed.
func start(t *testing.T, name string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start(), name)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventually retries check every second until it returns nil or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(time.Second)
	}
}

func httpGet(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return body, nil
}

// exposedMetrics lists the metric names in a Prometheus text exposition.
func exposedMetrics(exposition string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(exposition, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		names[name] = true
	}
	return names
}

// prometheus is a client of the HTTP API of a Prometheus server.
type prometheus struct{ base string }

type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func (p prometheus) get(path string, params url.Values) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body, err := httpGet(ctx, p.base+path+"?"+params.Encode())
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s %v: %s: %s", path, params, r.ErrorType, r.Error)
	}
	return r.Data, nil
}

type sample struct {
	Metric map[string]string `json:"metric"`
}

// query evaluates q now; an error means it does not parse or cannot be evaluated.
func (p prometheus) query(q string) ([]sample, error) {
	data, err := p.get("/api/v1/query", url.Values{"query": {q}})
	if err != nil {
		return nil, err
	}
	var out struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if out.ResultType != "vector" && out.ResultType != "matrix" {
		return nil, nil
	}
	var samples []sample
	return samples, json.Unmarshal(out.Result, &samples)
}

// selectors returns the series selectors of q, without their ranges and offsets, as PromQL.
func (p prometheus) selectors(q string) ([]string, error) {
	data, err := p.get("/api/v1/parse_query", url.Values{"query": {q}})
	if err != nil {
		return nil, err
	}
	var ast any
	if err := json.Unmarshal(data, &ast); err != nil {
		return nil, err
	}
	found := map[string]bool{}
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if matchers, ok := n["matchers"].([]any); ok {
				found[selectorOf(matchers)] = true
			}
			for _, v := range n {
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	walk(ast)
	out := make([]string, 0, len(found))
	for s := range found {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

func selectorOf(matchers []any) string {
	var parts []string
	for _, m := range matchers {
		mm := m.(map[string]any)
		parts = append(parts, fmt.Sprintf("%s%s%s", mm["name"], mm["type"], strconv.Quote(mm["value"].(string))))
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ", ") + "}"
}

type alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

func (p prometheus) alerts() ([]alert, error) {
	data, err := p.get("/api/v1/alerts", url.Values{})
	if err != nil {
		return nil, err
	}
	var out struct {
		Alerts []alert `json:"alerts"`
	}
	return out.Alerts, json.Unmarshal(data, &out)
}
