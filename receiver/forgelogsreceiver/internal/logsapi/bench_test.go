package logsapi

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// benchmarkPage is a page of n records as the simulator serves them: the documented sample's
// attributes, string and structured bodies, both timestamp encodings, 64- and 128-bit trace ids.
func benchmarkPage(n int) []byte {
	origin := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	sim := forgesim.New(forgesim.Config{Origin: origin, RecordsPerSecond: 100, Now: func() time.Time { return origin.Add(time.Hour) }})
	return sim.PageJSON("sim-app", "sim-env", n)
}

// otlpEnvelope wraps a page's records the way the documented sidecar pattern does, for
// plog.JSONUnmarshaler.
func otlpEnvelope(page []byte) []byte {
	start := bytes.Index(page, []byte(`[`))
	end := bytes.LastIndex(page, []byte(`]`))
	var b bytes.Buffer
	b.WriteString(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}}]},"scopeLogs":[{"scope":{"name":"my.library","version":"1.0.0"},"logRecords":`)
	b.Write(page[start : end+1])
	b.WriteString(`}]}]}`)
	return b.Bytes()
}

// shortTraceID matches 64-bit trace ids, which the simulator sends now and then (Forge Remote's B3
// trace ids can be 64-bit; no Forge log record with one is known).
var shortTraceID = regexp.MustCompile(`"traceId":"([0-9a-f]{16})"`)

// BenchmarkDecodePage compares Decode with the reference decoder and with the sidecar baseline on
// the same page of 1,000 records. Run with -benchmem; records/s and allocs/record are reported.
func BenchmarkDecodePage(b *testing.B) {
	// plog.JSONUnmarshaler refuses a whole request for one 64-bit trace id, so the sidecar pattern
	// loses such pages; the benchmark pads them so that the baseline can run at all.
	page := shortTraceID.ReplaceAll(benchmarkPage(1000), []byte(`"traceId":"0000000000000000$1"`))
	report := func(b *testing.B, decode func()) {
		b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(testing.AllocsPerRun(1, decode)/1000, "allocs/record")
	}
	b.Run("logsapi.Decode", func(b *testing.B) {
		d := NewDecoder(testResource, testScope)
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		decode := func() {
			if _, err := d.Decode(page, testObserved, nil); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			decode()
		}
		report(b, decode)
	})
	b.Run("reference", func(b *testing.B) {
		d := NewDecoder(testResource, testScope)
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		decode := func() {
			if _, err := d.referenceDecode(page, testObserved, nil); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			decode()
		}
		report(b, decode)
	})
	b.Run("baseline-plog.JSONUnmarshaler", func(b *testing.B) {
		var u plog.JSONUnmarshaler
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		// The envelope is built for every page, as the sidecar pattern builds it.
		decode := func() {
			if _, err := u.UnmarshalLogs(otlpEnvelope(page)); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			decode()
		}
		report(b, decode)
	})
}
