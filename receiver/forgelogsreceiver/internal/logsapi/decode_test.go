package logsapi

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

var update = flag.Bool("update", false, "rewrite the expected golden files")

var (
	testResource = Resource{ServiceName: "my-forge-app", AppID: "app-1", EnvironmentID: "env-1", EnvironmentName: "production"}
	testScope    = Scope{Name: "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", Version: "0.1.0"}
	testObserved = pcommon.NewTimestampFromTime(time.Date(2024, 2, 13, 10, 51, 0, 0, time.UTC))
)

func decodeFile(t *testing.T, name string) Page {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "pages", name))
	require.NoError(t, err)
	page, err := NewDecoder(testResource, testScope).Decode(body, testObserved, nil)
	require.NoError(t, err)
	return page
}

func TestDecodeGolden(t *testing.T) {
	tests := []struct {
		page       string
		records    int
		cursor     string
		drops      Drops
		deliveries int
	}{
		{page: "sample.json", records: 1, cursor: "someString", deliveries: 1},
		{page: "mixed.json", records: 8, drops: Drops{Undecodable: 3, InvalidTraceID: 1, InvalidSpanID: 1}, deliveries: 5},
		{page: "empty.json", records: 0, deliveries: 0},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			page := decodeFile(t, tt.page)
			assert.Equal(t, tt.records, page.Records)
			assert.Equal(t, tt.cursor, page.Cursor)
			assert.Equal(t, tt.drops, page.Drops)
			assert.Equal(t, tt.deliveries, page.Logs.LogRecordCount())

			expectedFile := filepath.Join("testdata", "expected", strings.TrimSuffix(tt.page, ".json")+".yaml")
			if *update {
				require.NoError(t, golden.WriteLogs(t, expectedFile, page.Logs))
			}
			expected, err := golden.ReadLogs(expectedFile)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(expected, page.Logs))
		})
	}
}

func TestDecodeMapsSeverity(t *testing.T) {
	page := decodeFile(t, "mixed.json")
	bySeverity := map[string]plog.SeverityNumber{}
	forEachRecord(page.Logs, func(lr plog.LogRecord) {
		bySeverity[lr.Body().AsString()] = lr.SeverityNumber()
	})
	// severityNumber 50 on Forge's scale is ERROR; "warn" as text wins over any number.
	assert.Equal(t, plog.SeverityNumberError, bySeverity[`{"attempt":3,"message":"payment failed","ok":false,"ratio":0.25}`])
	assert.Equal(t, plog.SeverityNumberWarn, bySeverity["aGVsbG8="])
	assert.Equal(t, plog.SeverityNumberFatal, bySeverity["bad ids"])
	assert.Equal(t, plog.SeverityNumberTrace, bySeverity["42"])
}

func TestDecodePadsShortTraceIDs(t *testing.T) {
	page := decodeFile(t, "mixed.json")
	lr := page.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, "0000000000000000b20b7d54d56bee2c", lr.TraceID().String())
	assert.Equal(t, "6c7f6ad7436700c2", lr.SpanID().String())
}

func TestDecodeGroupsByAppVersion(t *testing.T) {
	page := decodeFile(t, "mixed.json")
	versions := map[string]int{}
	for i := 0; i < page.Logs.ResourceLogs().Len(); i++ {
		rl := page.Logs.ResourceLogs().At(i)
		v, _ := rl.Resource().Attributes().Get("service.version")
		versions[v.Str()] += rl.ScopeLogs().At(0).LogRecords().Len()
	}
	assert.Equal(t, map[string]int{"1.205.3": 1, "1.206.0": 2, "": 2}, versions)
}

func TestDecodeAcceptRefusesRecords(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "pages", "mixed.json"))
	require.NoError(t, err)
	var asked []int
	page, err := NewDecoder(testResource, testScope).Decode(body, testObserved, func(k RecordKey) bool {
		asked = append(asked, k.Index)
		return k.Index != 0
	})
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1, 3, 4, 7}, asked, "only decodable records are asked about")
	assert.Equal(t, 1, page.Drops.Rejected)
	assert.Equal(t, 4, page.Logs.LogRecordCount())
	assert.Equal(t, 7, page.Last.Index)
	assert.Equal(t, uint64(1707821444943000000), page.Last.Timestamp)
}

func TestDecodeRefusesBodiesThatAreNotPages(t *testing.T) {
	for _, body := range []string{
		``, `{"appLogs":[{"timeUnixNano":"1"}`, `[]`, `{"appLogs":"x"}`, `<html>`,
		// JSON, but no page: taken for an empty last page, it would end the window.
		`null`, `{}`, `{"message":"upstream busy"}`, `{"appLogs":null}`, `{"appLogs":[],"appLogs":null}`,
	} {
		_, err := NewDecoder(testResource, testScope).Decode([]byte(body), testObserved, nil)
		assert.ErrorIs(t, err, ErrMalformedPage, body)
	}
}

func TestFingerprintIsStable(t *testing.T) {
	a := Fingerprint([]byte(`{"timeUnixNano":"1"}`))
	assert.Equal(t, a, Fingerprint([]byte(`{"timeUnixNano":"1"}`)))
	assert.NotEqual(t, a, Fingerprint([]byte(`{"timeUnixNano":"2"}`)))
}

func forEachRecord(logs plog.Logs, fn func(plog.LogRecord)) {
	for i := 0; i < logs.ResourceLogs().Len(); i++ {
		sls := logs.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				fn(lrs.At(k))
			}
		}
	}
}
