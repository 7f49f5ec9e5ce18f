package logsapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// decodeOne decodes a page holding one record whose members are fields.
func decodeOne(t *testing.T, fields string) (plog.LogRecord, Drops) {
	t.Helper()
	body := `{"appLogs":[{"timeUnixNano":"1707821460000000000","body":{"stringValue":"x"}` + fields + `}]}`
	page, err := NewDecoder(testResource, testScope).Decode([]byte(body), testObserved, nil)
	require.NoError(t, err)
	require.Equal(t, 1, page.Logs.LogRecordCount(), body)
	return page.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0), page.Drops
}

// The expected values are SPEC 5's table, written out by hand: OTLP numbers TRACE 1, DEBUG 5,
// INFO 9, WARN 13, ERROR 17, FATAL 21; Forge's 10..60 scale only when severityText is absent.
func TestSeverityMapping(t *testing.T) {
	tests := []struct {
		fields     string
		wantText   string
		wantNumber int32
	}{
		{`,"severityText":"TRACE"`, "TRACE", 1},
		{`,"severityText":"DEBUG"`, "DEBUG", 5},
		{`,"severityText":"INFO"`, "INFO", 9},
		{`,"severityText":"WARN"`, "WARN", 13},
		{`,"severityText":"ERROR"`, "ERROR", 17},
		{`,"severityText":"FATAL"`, "FATAL", 21},
		{`,"severityText":"warn"`, "warn", 13},
		{`,"severityText":"NOTICE"`, "NOTICE", 0},
		{`,"severityNumber":10`, "", 1},
		{`,"severityNumber":20`, "", 5},
		{`,"severityNumber":30`, "", 9},
		{`,"severityNumber":40`, "", 13},
		{`,"severityNumber":50`, "", 17},
		{`,"severityNumber":60`, "", 21},
		{`,"severityNumber":"40"`, "", 13},
		{`,"severityNumber":5`, "", 0},
		{`,"severityNumber":70`, "", 0},
		{`,"severityText":"INFO","severityNumber":50`, "INFO", 9},
		{`,"severityNumber":50,"severityText":"DEBUG"`, "DEBUG", 5},
		// In OTLP/JSON an empty string is the field's default, as if absent: the number counts.
		{`,"severityText":"","severityNumber":40`, "", 13},
		{`,"severityText":null,"severityNumber":20`, "", 5},
		{``, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.fields, func(t *testing.T) {
			lr, _ := decodeOne(t, tt.fields)
			assert.Equal(t, tt.wantText, lr.SeverityText())
			assert.Equal(t, tt.wantNumber, int32(lr.SeverityNumber()))
		})
	}
}

func TestIDMapping(t *testing.T) {
	tests := []struct {
		fields              string
		wantTrace, wantSpan string
		wantDrops           Drops
	}{
		{`,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"`, "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", Drops{}},
		{`,"traceId":"b20b7d54d56bee2c"`, "0000000000000000b20b7d54d56bee2c", "", Drops{}},
		{`,"traceId":"5B8EFFF798038103D269B633813FC60C"`, "5b8efff798038103d269b633813fc60c", "", Drops{}},
		{`,"traceId":"not-hex"`, "", "", Drops{InvalidTraceID: 1}},
		{`,"traceId":"5b8efff798038103d269b633813fc6"`, "", "", Drops{InvalidTraceID: 1}},
		{`,"spanId":"eee19b7e"`, "", "", Drops{InvalidSpanID: 1}},
		{`,"traceId":"00000000000000000000000000000000","spanId":"0000000000000000"`, "", "", Drops{InvalidTraceID: 1, InvalidSpanID: 1}},
		{`,"traceId":"0000000000000000"`, "", "", Drops{InvalidTraceID: 1}},
		{`,"traceId":"","spanId":""`, "", "", Drops{}},
	}
	for _, tt := range tests {
		t.Run(tt.fields, func(t *testing.T) {
			lr, drops := decodeOne(t, tt.fields)
			if tt.wantTrace == "" {
				assert.True(t, lr.TraceID().IsEmpty(), lr.TraceID().String())
			} else {
				assert.Equal(t, tt.wantTrace, lr.TraceID().String())
			}
			if tt.wantSpan == "" {
				assert.True(t, lr.SpanID().IsEmpty())
			} else {
				assert.Equal(t, tt.wantSpan, lr.SpanID().String())
			}
			assert.Equal(t, tt.wantDrops, drops)
		})
	}
}

func TestTimestampsAndScope(t *testing.T) {
	for _, ts := range []string{`"1707821460000000000"`, `1707821460000000000`} {
		body := `{"appLogs":[{"timeUnixNano":` + ts + `,"body":{"stringValue":"x"}}]}`
		page, err := NewDecoder(testResource, testScope).Decode([]byte(body), testObserved, nil)
		require.NoError(t, err)
		sl := page.Logs.ResourceLogs().At(0).ScopeLogs().At(0)
		assert.Equal(t, "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver", sl.Scope().Name())
		lr := sl.LogRecords().At(0)
		assert.Equal(t, uint64(1707821460000000000), uint64(lr.Timestamp()))
		assert.Equal(t, testObserved, lr.ObservedTimestamp())
	}
}
