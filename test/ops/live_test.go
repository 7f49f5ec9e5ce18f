//go:build ops

package ops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The rules' `for` is cut to this, so that alerts fire within the test.
const testFor = "5s"

// Every alert and every dashboard query runs on a Prometheus that scrapes the built collector
// every second, while its receivers read the simulator with one good and one refused
// token: each query parses, each series it selects exists under the name the collector really
// exposes, and the alerts for the refused tokens and the simulator's 429s fire. The metrics
// receiver starts 300 hours back at 60 calls a minute (testdata/collector.yaml), so that it calls
// steadily throughout the test, as an app catching up a backlog does, rather than once a minute.
func TestAlertsAndDashboardAgainstTheCollector(t *testing.T) {
	prometheusBin := tool(t, "PROMETHEUS")
	dir := t.TempDir()
	simPort, telemetryPort, promPort := freePort(t), freePort(t), freePort(t)

	// -rpm 0 and -metrics-rpm 0: no limit of the simulator's own, so that the 429s are the 30% it
	// throws at random. -backlog covers the metrics receiver's initial_lookback, so that every
	// window it reads holds points.
	start(t, "simulator", nil, repoBinary(t, "forgeapi-sim"), "-addr", "127.0.0.1:"+simPort,
		"-apps", "sim-app:sim-env;refused-app:refused-env", "-token", "ops-token",
		"-backlog", "301h", "-rate", "5", "-rpm", "0", "-metrics-rpm", "0", "-usage-rpm", "0", "-throttle-rate", "0.3",
		"-late-share", "0.2", "-lateness", "2s")
	collectorStarted := time.Now()
	start(t, "collector", []string{
		"OPS_API_ENDPOINT=http://127.0.0.1:" + simPort, "OPS_API_TOKEN=ops-token",
		"OPS_STORAGE_DIR=" + dir, "OPS_TELEMETRY_PORT=" + telemetryPort,
		"OPS_PROMETHEUS_OTLP=http://127.0.0.1:" + promPort + "/api/v1/otlp",
	}, repoBinary(t, "otelcol-forge"), "--config", filepath.Join("testdata", "collector.yaml"))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), shortenedRules(t), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(fmt.Sprintf(`
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yaml]
# The usage arrives over OTLP, hours after its periods: as examples/prometheus.yaml says, the
# resource attributes the dashboard groups by become labels, and old samples are accepted.
otlp:
  promote_resource_attributes: [forge.app.id, forge.environment.id, deployment.environment.name]
storage:
  tsdb:
    out_of_order_time_window: 3d
scrape_configs:
  - job_name: otelcol-forge
    static_configs: [{targets: ["127.0.0.1:%s"]}]
`, telemetryPort)), 0o600))
	start(t, "prometheus", nil, prometheusBin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:"+promPort,
		"--web.enable-otlp-receiver")
	prom := prometheus{base: "http://127.0.0.1:" + promPort}
	eventually(t, time.Minute, "Prometheus is ready", func() error {
		_, err := prom.query("up")
		return err
	})

	queries := allQueries(t)
	selectors := map[string][]string{} // selector -> where it is used
	names := map[string]bool{}
	for _, q := range queries {
		if _, err := prom.query(q.expr); err != nil {
			t.Errorf("%s does not evaluate: %v", q.where, err)
			continue
		}
		sels, err := prom.selectors(q.expr)
		require.NoError(t, err, q.where)
		for _, s := range sels {
			selectors[s] = append(selectors[s], q.where)
			if name := metricName(s); name != "" {
				names[name] = true
			}
		}
	}
	require.False(t, t.Failed())

	eventually(t, 2*time.Minute, "the collector exposes every metric the alerts and the dashboard use", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		body, err := httpGet(ctx, "http://127.0.0.1:"+telemetryPort+"/metrics")
		if err != nil {
			return err
		}
		exposed := exposedMetrics(string(body))
		var missing []string
		for name := range names {
			if !exposed[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("not exposed: %v", missing)
		}
		t.Logf("the collector exposes: %v", sortedKeys(exposed))
		return nil
	})

	eventually(t, 2*time.Minute, "Prometheus holds a series for every selector", func() error {
		var empty []string
		for s, where := range selectors {
			// Over the last day, not at this instant: a usage sample carries the end of its period,
			// an hour or more before now. The Prometheus is new, so a day is the whole test.
			samples, err := prom.query("last_over_time(" + s + "[1d])")
			if err != nil {
				return err
			}
			if len(samples) == 0 {
				empty = append(empty, fmt.Sprintf("%s (%s)", s, strings.Join(where, "; ")))
			}
		}
		if len(empty) > 0 {
			return fmt.Errorf("no series for %v", empty)
		}
		return nil
	})
	for _, q := range queries {
		if q.label == "" {
			continue
		}
		samples, err := prom.query("count by (" + q.label + ") (" + q.expr + ")")
		require.NoError(t, err)
		require.NotEmptyf(t, samples, "%s: no %s label", q.where, q.label)
		require.NotEmptyf(t, samples[0].Metric[q.label], "%s: no %s label", q.where, q.label)
	}

	// A refused stream retries after 1 to 2 minutes, then 2 to 4 (backoff.Refused). The alert asks
	// for an increase of 2, and increase() cannot see the jump from no series to its first
	// refusal, so it needs the third refusal: 3 to 6 minutes after the first, which comes at once.
	// The wait runs to 8 minutes after the collector started, whatever the checks above took.
	// The simulator refuses the metrics token with a QueryError, counted as its statusCode. The
	// metrics receiver's backlog keeps its lag above the threshold for the whole test.
	expected := map[string]map[string]string{
		"ForgeLogsStreamRefused":        {"app_id": "refused-app", "status_code": "401"},
		"ForgeLogsRateLimited":          {"app_id": "sim-app"},
		"ForgeMetricsAppRefused":        {"app_id": "refused-app", "status_code": "401"},
		"ForgeMetricsRateLimited":       {"app_id": "sim-app"},
		"ForgeMetricsCheckpointLagHigh": {"app_id": "sim-app"},
		"ForgeUsageStreamRefused":       {"app_id": "refused-app", "status_code": "401"},
	}
	eventually(t, time.Until(collectorStarted.Add(8*time.Minute)), "the alerts for the refused tokens, the 429s and the backlog fire", func() error {
		alerts, err := prom.alerts()
		if err != nil {
			return err
		}
		for name, labels := range expected {
			if !firing(alerts, name, labels) {
				return fmt.Errorf("%s %v is not firing; alerts: %v", name, labels, alerts)
			}
		}
		return nil
	})
	// A refused stream makes no progress, so its lag grows while it retries: its lag alert may
	// fire too, depending on how long the test ran.
	allowed := map[string]map[string]string{
		"ForgeLogsCheckpointLagHigh":    {"app_id": "refused-app"},
		"ForgeMetricsCheckpointLagHigh": {"app_id": "refused-app"},
	}
	alerts, err := prom.alerts()
	require.NoError(t, err)
	for _, a := range alerts {
		name := a.Labels["alertname"]
		want, ok := expected[name]
		also, allowedToo := allowed[name]
		if a.State == "firing" && !(ok && matches(a.Labels, want)) && !(allowedToo && matches(a.Labels, also)) {
			t.Errorf("unexpected alert: %v", a.Labels)
		}
	}
}

// allQueries lists every alert expression and every dashboard query, with variables filled in.
func allQueries(t *testing.T) []dashboardQuery {
	t.Helper()
	var out []dashboardQuery
	for name, expr := range alertExprs(t) {
		out = append(out, dashboardQuery{where: "alert " + name, expr: expr})
	}
	d := loadDashboard(t)
	own := ownVariables(d)
	for _, q := range dashboardQueries(t, d) {
		expr, unknown := substitute(q.expr, own)
		require.Emptyf(t, unknown, "%s uses undefined variables", q.where)
		q.expr = expr
		out = append(out, q)
	}
	return out
}

// shortenedRules is alerts.yaml with every `for` cut to testFor.
func shortenedRules(t *testing.T) []byte {
	t.Helper()
	rf := loadRules(t)
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if _, ok := r["for"]; ok {
				r["for"] = testFor
			}
		}
	}
	out, err := yaml.Marshal(rf)
	require.NoError(t, err)
	return out
}

func metricName(selector string) string {
	const prefix = `__name__="`
	i := strings.Index(selector, prefix)
	if i < 0 {
		return ""
	}
	rest := selector[i+len(prefix):]
	return rest[:strings.Index(rest, `"`)]
}

func firing(alerts []alert, name string, labels map[string]string) bool {
	for _, a := range alerts {
		if a.State == "firing" && a.Labels["alertname"] == name && matches(a.Labels, labels) {
			return true
		}
	}
	return false
}

func matches(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
