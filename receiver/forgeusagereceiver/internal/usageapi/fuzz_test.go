package usageapi

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// FuzzParsePage feeds arbitrary answers to ParsePage and what it accepts to Decode over an hour's
// window: neither may panic, an answer is either a page, a refusal or ErrMalformedAnswer, and every
// entry of a page is delivered or counted, a delivered one inside the window.
func FuzzParsePage(f *testing.F) {
	answers, _ := filepath.Glob(filepath.Join("testdata", "answers", "*.json"))
	for _, p := range answers {
		body, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, int64(0), false)
		f.Add(body, int64(3600), true)
	}
	f.Add([]byte(`{"data":{"ecosystem":{"devConsole":{"appResourceUsage":{"error":{"message":"x","extensions":{"statusCode":"401"}}}}}}}`), int64(0), false)
	f.Fuzz(func(t *testing.T, answer []byte, startOffset int64, bySite bool) {
		page, err := ParsePage(answer)
		if err != nil {
			if _, refused := apierror.AsStatusError(err); !refused && !errors.Is(err, ErrMalformedAnswer) {
				t.Fatalf("error %v is neither a refusal nor ErrMalformedAnswer", err)
			}
			return
		}
		w := Window{
			Start: windowStart.Add(time.Duration(startOffset%(1<<40)) * time.Second), AppID: "app-1", Resource: "KVS_READ",
			GroupBy: GroupByEnvironment, Environments: []Environment{{ID: "env-prod"}, {ID: "env-dev"}}, Scope: scope,
		}
		if bySite {
			w.GroupBy, w.Environment = GroupBySite, "env-prod"
		}
		w.End = w.Start.Add(time.Hour)
		md, drops := Decode(page, w)
		if got := md.DataPointCount() + drops.Total(); got != page.Rows() {
			t.Fatalf("%d entries, %d delivered or dropped", page.Rows(), got)
		}
		rms := md.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			ms := rms.At(i).ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				m := ms.At(j)
				if m.Type() != pmetric.MetricTypeSum || m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
					t.Fatalf("metric %s is not a delta sum", m.Name())
				}
				for k := 0; k < m.Sum().DataPoints().Len(); k++ {
					p := m.Sum().DataPoints().At(k)
					if p.StartTimestamp().AsTime().Before(w.Start) || p.Timestamp().AsTime().After(w.End) {
						t.Fatalf("point [%s, %s) outside the window [%s, %s)", p.StartTimestamp(), p.Timestamp(), w.Start, w.End)
					}
				}
			}
		}
	})
}
