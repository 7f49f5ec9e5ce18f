//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

func (b *backend) serveMetrics(w http.ResponseWriter, body []byte) {
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	b.addMetrics(req.Metrics())
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := pmetricotlp.NewExportResponse().MarshalProto()
	_, _ = w.Write(out)
}

// addMetrics counts each data point by the simulator's key: metric|environment|function|time.
func (b *backend) addMetrics(md pmetric.Metrics) {
	b.mu.Lock()
	defer b.mu.Unlock()
	count := func(env string, name string, attrs pcommon.Map, ts pcommon.Timestamp) {
		fn, _ := attrs.Get("functionKey")
		b.points[fmt.Sprintf("%s|%s|%s|%d", name, env, fn.Str(), ts)]++
	}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		env, _ := rm.Resource().Attributes().Get("forge.environment.id")
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			ms := rm.ScopeMetrics().At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				switch m.Type() {
				case pmetric.MetricTypeSum:
					for p := 0; p < m.Sum().DataPoints().Len(); p++ {
						dp := m.Sum().DataPoints().At(p)
						count(env.Str(), m.Name(), dp.Attributes(), dp.Timestamp())
					}
				case pmetric.MetricTypeGauge:
					for p := 0; p < m.Gauge().DataPoints().Len(); p++ {
						dp := m.Gauge().DataPoints().At(p)
						count(env.Str(), m.Name(), dp.Attributes(), dp.Timestamp())
					}
				case pmetric.MetricTypeHistogram:
					for p := 0; p < m.Histogram().DataPoints().Len(); p++ {
						dp := m.Histogram().DataPoints().At(p)
						count(env.Str(), m.Name(), dp.Attributes(), dp.Timestamp())
					}
				}
			}
		}
	}
}

func (b *backend) pointSnapshot() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.points))
	for k, v := range b.points {
		out[k] = v
	}
	return out
}

// expectedPoints lists the keys of every point the simulator serves for the e2e app in (from, until].
func expectedPoints(sim *forgesim.Server, from, until time.Time) []string {
	var keys []string
	for _, p := range sim.VisiblePoints(simApp, []string{simEnv}, forgesim.MetricNames(), from, until) {
		keys = append(keys, p.Key())
	}
	return keys
}

// waitForPoints waits until the backend holds every point of want.
func waitForPoints(t *testing.T, b *backend, want []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := b.pointSnapshot()
		missing := 0
		for _, key := range want {
			if got[key] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d points never arrived", missing, len(want))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
