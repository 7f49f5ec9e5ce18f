//go:build ops

package ops

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// promotedResourceAttributes are the resource attributes the README's Prometheus setup promotes
// to labels (Prometheus keeps only service.name, as job, and service.instance.id, as instance,
// unless told otherwise; the rest would sit on target_info alone).
const promotedResourceAttributes = `[service.name, forge.app.id, forge.environment.id, deployment.environment.name]`

// The route of examples/prometheus.yaml, run for real: the simulator's metrics go through the
// distribution's deltatocumulative processor and otlphttp exporter into a real Prometheus' OTLP
// receiver. The series a user graphs exist with the resource attributes as labels, and the
// increase of the invocation counter over ten minutes equals what the simulator served for them.
func TestPrometheusRouteOfTheExample(t *testing.T) {
	prometheusBin := tool(t, "PROMETHEUS")
	dir := t.TempDir()
	promPort, healthPort := freePort(t), freePort(t)

	started := time.Now()
	sim := forgesim.New(forgesim.Config{
		Email: "ops@example.com", Token: "ops-token",
		Apps:   map[string][]string{"sim-app": {"sim-env"}},
		Origin: started.Add(-time.Hour),
	})
	api := httptest.NewServer(sim)
	t.Cleanup(api.Close)
	// The example also ships logs to Loki; this stands in for it and accepts them.
	loki := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(loki.Close)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(`
otlp:
  promote_resource_attributes: `+promotedResourceAttributes+`
`), 0o600))
	start(t, "prometheus", nil, prometheusBin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:"+promPort,
		"--web.enable-otlp-receiver")
	prom := prometheus{base: "http://127.0.0.1:" + promPort}
	eventually(t, time.Minute, "Prometheus is ready", func() error {
		_, err := prom.query("up")
		return err
	})

	// examples/prometheus.yaml as it is, with the endpoints and timings of a test laid over it:
	// the simulator for the API, a poll every second, 20 minutes back.
	overrides := []string{"--config", filepath.Join(repoRoot, "examples", "prometheus.yaml")}
	for _, receiver := range []string{"forgelogs", "forgemetrics"} {
		overrides = append(overrides,
			"--config", "yaml:receivers::"+receiver+"::endpoint: "+api.URL,
			"--config", "yaml:receivers::"+receiver+"::delay: 1s",
			"--config", "yaml:receivers::"+receiver+"::initial_lookback: 20m",
			"--config", "yaml:receivers::"+receiver+"::requests_per_minute: 600")
	}
	// The example's usage receiver reads the simulator too, never the real API.
	overrides = append(overrides,
		"--config", "yaml:receivers::forgeusage::endpoint: "+api.URL,
		"--config", "yaml:receivers::forgeusage::requests_per_minute: 600")
	overrides = append(overrides,
		"--config", "yaml:receivers::forgelogs::poll_interval: 1s",
		"--config", "yaml:receivers::forgemetrics::collection_interval: 1s",
		"--config", "yaml:extensions::health_check::endpoint: 127.0.0.1:"+healthPort,
		"--config", "yaml:service::telemetry::metrics::level: none")
	start(t, "collector", []string{
		"FORGE_EMAIL=ops@example.com", "FORGE_API_TOKEN=ops-token", "FORGE_APP_ID=sim-app",
		"FORGE_STORAGE_DIR=" + dir, "PROMETHEUS_URL=" + prom.base, "LOKI_URL=" + loki.URL,
	}, append([]string{repoBinary(t, "otelcol-forge")}, overrides...)...)

	// The first window starts 20 minutes back, on the minute; the span [from, to) lies well inside
	// what the first calls deliver.
	from := started.Add(-20 * time.Minute).Truncate(time.Minute).Add(2 * time.Minute)
	to := from.Add(10 * time.Minute)

	// What a user graphs: invocations, errors and latency per function, with the app, the
	// environment and its name as labels. The example discovers the app's environments, and names
	// each by its key, which the simulator makes the environment's id.
	wantLabels := map[string]string{
		"job": "my-forge-app", "service_name": "my-forge-app", "forge_app_id": "sim-app",
		"forge_environment_id": "sim-env", "deployment_environment_name": "sim-env",
		"environmentId": "sim-env",
	}
	for _, series := range []string{
		"forge_backend_invocation_count_total", "forge_backend_invocation_errors_total",
		"forge_backend_invocation_latency_milliseconds_bucket",
	} {
		eventually(t, time.Minute, series+" reaches Prometheus with the resource attributes as labels", func() error {
			samples, err := prom.instant(series, to)
			if err != nil {
				return err
			}
			if len(samples) == 0 {
				return fmt.Errorf("no series")
			}
			for _, s := range samples {
				if !matches(s.Metric, wantLabels) {
					return fmt.Errorf("labels %v lack some of %v", s.Metric, wantLabels)
				}
				if s.Metric["functionKey"] == "" {
					return fmt.Errorf("labels %v lack functionKey", s.Metric)
				}
			}
			return nil
		})
	}

	// The increase of the running total over (from, to] is the sum of the simulator's deltas
	// stamped in that span, per function.
	want := map[string]float64{}
	for _, p := range sim.VisiblePoints("sim-app", []string{"sim-env"}, []string{"FORGE_BACKEND_INVOCATION_COUNT"}, from, to) {
		want[p.FunctionKey] += p.Value
	}
	require.Len(t, want, 4, "the simulator's four functions")
	increase := `forge_backend_invocation_count_total - forge_backend_invocation_count_total offset 10m`
	eventually(t, 30*time.Second, "the increase over ten minutes equals what the simulator served", func() error {
		samples, err := prom.instant(increase, to)
		if err != nil {
			return err
		}
		got := map[string]float64{}
		for _, s := range samples {
			got[s.Metric["functionKey"]] = s.value
		}
		if !assert.ObjectsAreEqual(want, got) {
			return fmt.Errorf("increase per function: got %v, want %v", got, want)
		}
		return nil
	})
}

type valuedSample struct {
	Metric map[string]string
	value  float64
}

// instant evaluates q at time at, with each sample's value.
func (p prometheus) instant(q string, at time.Time) ([]valuedSample, error) {
	data, err := p.get("/api/v1/query", url.Values{"query": {q}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}})
	if err != nil {
		return nil, err
	}
	var out struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	samples := make([]valuedSample, 0, len(out.Result))
	for _, r := range out.Result {
		text, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("value of %v: %w", r.Metric, err)
		}
		samples = append(samples, valuedSample{Metric: r.Metric, value: v})
	}
	return samples, nil
}
