package metricsapi

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// FuzzDecode feeds arbitrary answers and windows to Decode: it must never panic, every point of an
// answer it accepts is delivered or counted, and every delivered point obeys the window and
// environment rules.
func FuzzDecode(f *testing.F) {
	answers, _ := filepath.Glob(filepath.Join("testdata", "answers", "*.json"))
	for _, p := range answers {
		body, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, int64(0), uint16(15*60))
		f.Add(body, int64(-60), uint16(3*60))
	}
	f.Add([]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","sum":{"dataPoints":[{}]}}]}]}]}`), int64(0), uint16(0))
	envs := []Environment{{ID: "env-prod", Name: "production"}, {ID: "env-staging"}, {ID: "env-a"}, {ID: "env-b"}}
	f.Fuzz(func(t *testing.T, answer []byte, startOffset int64, seconds uint16) {
		w := Window{
			Start: at10.Add(time.Duration(startOffset) * time.Second), AppID: testAppID,
			Environments: envs, Scope: testScope,
		}
		w.End = w.Start.Add(time.Duration(seconds) * time.Second)
		metrics, drops, err := Decode(answer, w)
		if err != nil {
			if !errors.Is(err, ErrMalformedAnswer) {
				t.Fatalf("error %v is not ErrMalformedAnswer", err)
			}
			return
		}
		in, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(answer)
		if err != nil {
			t.Fatalf("Decode accepted what the unmarshaler refuses: %v", err)
		}
		if got, want := metrics.DataPointCount()+drops.Total(), in.DataPointCount(); got != want {
			t.Fatalf("%d points delivered or dropped, answer has %d", got, want)
		}
		rms := metrics.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			envID, _ := rms.At(i).Resource().Attributes().Get("forge.environment.id")
			forEachPoint(rms.At(i), func(attrs pcommon.Map, ts pcommon.Timestamp) {
				if !inWindow(ts, w.Start, w.End) {
					t.Fatalf("point at %d delivered outside (%v, %v]", ts, w.Start, w.End)
				}
				if v, _ := attrs.Get(EnvironmentIDAttribute); v.Str() != envID.Str() {
					t.Fatalf("point of %q delivered under %q", v.Str(), envID.Str())
				}
			})
		}
	})
}

func forEachPoint(rm pmetric.ResourceMetrics, fn func(pcommon.Map, pcommon.Timestamp)) {
	ms := rm.ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		pointsOf(ms.At(i), fn)
	}
}

// pointsOf calls fn with the attributes and time of each data point of m, whatever its type.
func pointsOf(m pmetric.Metric, fn func(pcommon.Map, pcommon.Timestamp)) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for j := 0; j < m.Gauge().DataPoints().Len(); j++ {
			fn(m.Gauge().DataPoints().At(j).Attributes(), m.Gauge().DataPoints().At(j).Timestamp())
		}
	case pmetric.MetricTypeSum:
		for j := 0; j < m.Sum().DataPoints().Len(); j++ {
			fn(m.Sum().DataPoints().At(j).Attributes(), m.Sum().DataPoints().At(j).Timestamp())
		}
	case pmetric.MetricTypeHistogram:
		for j := 0; j < m.Histogram().DataPoints().Len(); j++ {
			fn(m.Histogram().DataPoints().At(j).Attributes(), m.Histogram().DataPoints().At(j).Timestamp())
		}
	case pmetric.MetricTypeExponentialHistogram:
		for j := 0; j < m.ExponentialHistogram().DataPoints().Len(); j++ {
			fn(m.ExponentialHistogram().DataPoints().At(j).Attributes(), m.ExponentialHistogram().DataPoints().At(j).Timestamp())
		}
	case pmetric.MetricTypeSummary:
		for j := 0; j < m.Summary().DataPoints().Len(); j++ {
			fn(m.Summary().DataPoints().At(j).Attributes(), m.Summary().DataPoints().At(j).Timestamp())
		}
	}
}

// FuzzAppMetrics feeds arbitrary 200 bodies to the answer classifier: it must never panic, and it
// answers with data, a refusal or ErrMalformedAnswer, never anything else.
func FuzzAppMetrics(f *testing.F) {
	f.Add([]byte(envelope(`{"resourceMetrics":[]}`)))
	f.Add([]byte(envelope(`{"message":"m","extensions":{"statusCode":404,"errorType":"NOT_FOUND"}}`)))
	f.Add([]byte(`{"errors":[{"message":"bad"}],"data":null}`))
	f.Add([]byte(`{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"resourceMetrics":null}}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		data, err := appMetrics(body)
		switch se, isStatus := apierror.AsStatusError(err); {
		case err == nil:
			if len(data) == 0 {
				t.Fatal("no data and no error")
			}
		case isStatus:
			if se.StatusCode < 400 || se.StatusCode > 599 {
				t.Fatalf("status %d", se.StatusCode)
			}
		case !errors.Is(err, ErrMalformedAnswer):
			t.Fatalf("unexpected error %v", err)
		}
	})
}
