package metricsapi

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// BenchmarkFetchAndDecode measures one 15-minute answer of three environments with every metric,
// from the simulator: the request, the answer's classification and the regrouping into pdata.
func BenchmarkFetchAndDecode(b *testing.B) {
	envIDs := []string{"env-1", "env-2", "env-3"}
	sim := forgesim.New(forgesim.Config{
		Email: "u@example.com", Token: "tok", Apps: map[string][]string{testAppID: envIDs},
		Origin: simNow.Add(-time.Hour), Now: func() time.Time { return simNow },
	})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := NewClient(srv.Client(), srv.URL, "u@example.com", "tok", "", 0)
	if err != nil {
		b.Fatal(err)
	}
	q := Query{AppID: testAppID, EnvironmentIDs: envIDs, Metrics: forgesim.MetricNames(), Start: simNow.Add(-30 * time.Minute), End: simNow.Add(-15 * time.Minute)}
	w := Window{Start: q.Start, End: q.End, AppID: testAppID, Scope: testScope}
	for _, id := range envIDs {
		w.Environments = append(w.Environments, Environment{ID: id})
	}
	buf := &bytes.Buffer{}
	b.ReportAllocs()
	for b.Loop() {
		answer, err := c.Fetch(context.Background(), q, buf)
		if err != nil {
			b.Fatal(err)
		}
		md, _, err := Decode(answer, w)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(md.DataPointCount()), "points/op")
		b.SetBytes(int64(buf.Len()))
	}
}
