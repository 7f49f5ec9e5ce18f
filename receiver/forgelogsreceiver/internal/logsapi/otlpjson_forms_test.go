package logsapi

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// These tests feed the decoder each form OTLP/JSON gives an AnyValue, with the expected values
// written out by hand. They do not compare with referenceDecode: it shares the number and escape
// helpers, so a mistake in those would pass the differential test unseen.

// forcesTheExactPath is a member the single pass does not take (a name that matches traceId only
// without regard to case); null leaves traceId absent, so the record is otherwise unchanged.
const forcesTheExactPath = `"TRACEID":null,`

// decodeRecordBothWays decodes a page of one record whose members after timeUnixNano are members,
// once as the API writes it and once read by the exact path, and checks that the single pass took
// the record it is meant to take. It returns each path's page.
func decodeRecordBothWays(t *testing.T, members string, singlePass bool) map[string]Page {
	t.Helper()
	pages := map[string]Page{}
	for path, record := range map[string]string{
		"single pass": `{"timeUnixNano":"1707821460000000000",` + members + `}`,
		"exact path":  `{` + forcesTheExactPath + `"timeUnixNano":"1707821460000000000",` + members + `}`,
	} {
		d := NewDecoder(testResource, testScope)
		s := scanner{data: []byte(record)}
		_, fast, err := d.singlePass(&s)
		require.NoError(t, err, record)
		assert.Equal(t, singlePass && path == "single pass", fast, "%s: single pass taken for %s", path, record)

		page, err := NewDecoder(testResource, testScope).Decode([]byte(`{"appLogs":[`+record+`]}`), testObserved, nil)
		require.NoError(t, err, record)
		pages[path] = page
	}
	return pages
}

func onlyRecord(t *testing.T, page Page) plog.LogRecord {
	t.Helper()
	require.Equal(t, 1, page.Logs.LogRecordCount())
	return page.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
}

// requireSameValue compares two values by type and content; a NaN double equals a NaN.
func requireSameValue(t *testing.T, want, got pcommon.Value, where string) {
	t.Helper()
	require.Equal(t, want.Type(), got.Type(), "%s: type", where)
	if want.Type() == pcommon.ValueTypeDouble && math.IsNaN(want.Double()) {
		require.True(t, math.IsNaN(got.Double()), "%s: %v is not NaN", where, got.Double())
		return
	}
	require.Equal(t, want.AsRaw(), got.AsRaw(), where)
}

func TestDecodeAnyValueForms(t *testing.T) {
	str := func(s string) pcommon.Value { return pcommon.NewValueStr(s) }
	integer := func(n int64) pcommon.Value { return pcommon.NewValueInt(n) }
	double := func(x float64) pcommon.Value { return pcommon.NewValueDouble(x) }
	tests := []struct {
		name  string
		value string // an OTLP/JSON AnyValue
		want  pcommon.Value
	}{
		// OTLP/JSON writes 64-bit integers as strings; encoding/json also takes plain numbers.
		{"int as a string", `{"intValue":"42"}`, integer(42)},
		{"negative int as a string", `{"intValue":"-5"}`, integer(-5)},
		{"negative int as a number", `{"intValue":-5}`, integer(-5)},
		{"int of 19 digits", `{"intValue":"1234567890123456789"}`, integer(1234567890123456789)},
		{"largest int64", `{"intValue":"9223372036854775807"}`, integer(math.MaxInt64)},
		{"smallest int64", `{"intValue":"-9223372036854775808"}`, integer(math.MinInt64)},
		{"zero int", `{"intValue":"0"}`, integer(0)},
		{"double as a number", `{"doubleValue":-0.25}`, double(-0.25)},
		{"double as a string", `{"doubleValue":"2.5"}`, double(2.5)},
		{"double in exponent form", `{"doubleValue":1e3}`, double(1000)},
		{"infinity", `{"doubleValue":"Infinity"}`, double(math.Inf(1))},
		{"minus infinity", `{"doubleValue":"-Infinity"}`, double(math.Inf(-1))},
		{"not a number", `{"doubleValue":"NaN"}`, double(math.NaN())},
		{"true", `{"boolValue":true}`, pcommon.NewValueBool(true)},
		{"false", `{"boolValue":false}`, pcommon.NewValueBool(false)},
		{"bytes", `{"bytesValue":"aGVsbG8="}`, func() pcommon.Value {
			v := pcommon.NewValueBytes()
			v.Bytes().FromRaw([]byte("hello"))
			return v
		}()},
		{"plain string", `{"stringValue":"checkout"}`, str("checkout")},
		{"escaped solidus", `{"stringValue":"site\/id"}`, str("site/id")},
		{"escaped quote, backslash and controls", `{"stringValue":"a\"b\\c\n\t\r\b\f"}`, str("a\"b\\c\n\t\r\b\f")},
		{"\\u with upper-case hex digits", `{"stringValue":"\u00C9\u00AB\u00FF"}`, str("É«ÿ")},
		{"\\u with lower-case hex digits", `{"stringValue":"\u00e9\u00ab\u00ff"}`, str("é«ÿ")},
		{"\\u of every hex digit", `{"stringValue":"\u0123\u4567\u89aB\uCdEf"}`, str("\u0123\u4567\u89ab\ucdef")},
		{"surrogate pair, upper case", `{"stringValue":"\uD83D\uDE00"}`, str("😀")},
		{"surrogate pair, lower case", `{"stringValue":"\ud83d\ude00!"}`, str("😀!")},
		{"lone high surrogate", `{"stringValue":"a\uD83Db"}`, str("a\uFFFDb")},
		{"high surrogate before a non-surrogate escape", `{"stringValue":"\uD83D\u0041"}`, str("\uFFFDA")},
		{"array", `{"arrayValue":{"values":[{"intValue":"-1"},{"stringValue":"x\/y"},{"boolValue":false}]}}`, func() pcommon.Value {
			v := pcommon.NewValueSlice()
			v.Slice().AppendEmpty().SetInt(-1)
			v.Slice().AppendEmpty().SetStr("x/y")
			v.Slice().AppendEmpty().SetBool(false)
			return v
		}()},
		{"kvlist", `{"kvlistValue":{"values":[{"key":"site\/id","value":{"doubleValue":"-Infinity"}},{"key":"\u00C9","value":{"intValue":"-7"}}]}}`, func() pcommon.Value {
			v := pcommon.NewValueMap()
			v.Map().PutDouble("site/id", math.Inf(-1))
			v.Map().PutInt("É", -7)
			return v
		}()},
		{"empty array", `{"arrayValue":{"values":[]}}`, pcommon.NewValueSlice()},
		{"empty kvlist", `{"kvlistValue":{"values":[]}}`, pcommon.NewValueMap()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members := `"body":` + tt.value + `,"attributes":[{"key":"v","value":` + tt.value + `}]`
			for path, page := range decodeRecordBothWays(t, members, true) {
				lr := onlyRecord(t, page)
				requireSameValue(t, tt.want, lr.Body(), path+": body")
				v, ok := lr.Attributes().Get("v")
				require.True(t, ok, "%s: attribute v missing", path)
				requireSameValue(t, tt.want, v, path+": attribute")
			}
		})
	}
}

// A value encoding/json cannot store makes the record undecodable; the rest of the page is kept.
func TestDecodeRefusesNumbersOutOfRange(t *testing.T) {
	for _, value := range []string{
		`{"intValue":"9223372036854775808"}`,
		`{"intValue":"-9223372036854775809"}`,
		`{"intValue":"18446744073709551616"}`,
		`{"intValue":"1.5"}`,
		`{"doubleValue":"1e400"}`,
	} {
		t.Run(value, func(t *testing.T) {
			for _, where := range []string{`"body":` + value, `"attributes":[{"key":"v","value":` + value + `}]`} {
				for path, page := range decodeRecordBothWays(t, where, false) {
					assert.Equal(t, 0, page.Logs.LogRecordCount(), "%s: %s", path, where)
					assert.Equal(t, Drops{Undecodable: 1}, page.Drops, "%s: %s", path, where)
				}
			}
		})
	}
}

func TestDecodeEscapedAttributeKeys(t *testing.T) {
	members := `"attributes":[{"key":"site\/id","value":{"stringValue":"s\/1"}},{"key":"caf\u00E9","value":{"stringValue":"\u00e9"}},{"key":"appId","value":{"stringValue":"app\/\u0031"}}]`
	for path, page := range decodeRecordBothWays(t, members, true) {
		want := map[string]any{"site/id": "s/1", "café": "é", "appId": "app/1"}
		assert.Equal(t, want, onlyRecord(t, page).Attributes().AsRaw(), path)
	}
}

// encoding/json replaces a slice member that repeats: the last attributes are the record's.
func TestDecodeRepeatedAttributesMemberKeepsTheLast(t *testing.T) {
	members := `"attributes":[{"key":"first","value":{"intValue":"1"}}],"attributes":[{"key":"second","value":{"intValue":"-2"}}]`
	for path, page := range decodeRecordBothWays(t, members, false) {
		assert.Equal(t, map[string]any{"second": int64(-2)}, onlyRecord(t, page).Attributes().AsRaw(), path)
	}
}

// A boolValue of false is a bool, not an empty value; a repeated boolValue keeps the last.
func TestDecodeFalseIsABool(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  bool
	}{
		{`{"boolValue":false}`, false},
		{`{"boolValue":true,"boolValue":false}`, false},
		{`{"boolValue":false,"boolValue":true}`, true},
	} {
		for path, page := range decodeRecordBothWays(t, `"body":`+tt.value, tt.value == `{"boolValue":false}`) {
			body := onlyRecord(t, page).Body()
			require.Equal(t, pcommon.ValueTypeBool, body.Type(), "%s: %s", path, tt.value)
			assert.Equal(t, tt.want, body.Bool(), "%s: %s", path, tt.value)
		}
	}
}
