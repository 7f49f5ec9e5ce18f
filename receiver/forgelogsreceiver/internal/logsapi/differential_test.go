package logsapi

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// requireSameAsReference decodes body with Decode and with referenceDecode and fails unless they
// agree on everything: the error, the counts, the keys, and the logs to the last bit.
func requireSameAsReference(t *testing.T, body []byte) {
	t.Helper()
	var asked, refAsked []RecordKey
	// Refuse every third record, to compare the accept path too.
	accept := func(into *[]RecordKey) func(RecordKey) bool {
		return func(k RecordKey) bool {
			*into = append(*into, k)
			return k.Index%3 != 2
		}
	}
	fast, fastErr := NewDecoder(testResource, testScope).Decode(body, testObserved, accept(&asked))
	ref, refErr := NewDecoder(testResource, testScope).referenceDecode(body, testObserved, accept(&refAsked))
	require.Equalf(t, refErr != nil, fastErr != nil, "errors differ: fast %v, reference %v, body %q", fastErr, refErr, body)
	if refErr != nil {
		return
	}
	require.Equal(t, ref.Records, fast.Records, "records of %q", body)
	require.Equal(t, ref.Cursor, fast.Cursor, "cursor of %q", body)
	require.Equal(t, ref.Drops, fast.Drops, "drops of %q", body)
	require.Equal(t, ref.Last, fast.Last, "last key of %q", body)
	require.Equal(t, refAsked, asked, "accept calls of %q", body)
	require.Equal(t, protoOf(t, ref.Logs), protoOf(t, fast.Logs), "logs of %q", body)
}

func protoOf(t *testing.T, logs plog.Logs) []byte {
	t.Helper()
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(logs)
	require.NoError(t, err)
	return b
}

func TestDecodeAgreesWithReference(t *testing.T) {
	var bodies [][]byte
	pages, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.json"))
	for _, p := range pages {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		bodies = append(bodies, b)
	}
	bodies = append(bodies, simulatorPage(t, 300))
	for _, s := range []string{
		`null`, ` {} `, `{"appLogs":null,"cursor":null}`, `{"APPLOGS":[{"timeunixnano":"5"}],"Cursor":"c"}`,
		`{"appLogs":[{"timeUnixNano":"1","body":{"stringValue":"a","stringValue":null}}]}`,
		`{"appLogs":[{"timeUnixNano":"1","traceId":"0102030405060708","traceId":null}]}`,
		`{"appLogs":[{"timeUnixNano":"1","body":{"intValue":null}}]}`,
		`{"appLogs":[{"timeUnixNano":"1","body":{"arrayValue":{"values":[{"intValue":1}]},"arrayValue":{}}}]}`,
		`{"appLogs":[{"timeUnixNano":"1","body":{"arrayValue":{"values":[1]},"arrayValue":null}}]}`,
		`{"appLogs":[{"timeUnixNano":"1","attributes":[null,{"key":null,"value":null},{"key":"k"}]}]}`,
		`{"appLogs":[{"timeUnixNano":"1","attributes":[{"key":5}]},{"timeUnixNano":"2","attributes":{}}]}`,
		`{"appLogs":[{"timeUnixNano":"1","severityText":5},{"timeUnixNano":"2","body":"text"}]}`,
		`{"appLogs":[{"time\u0055nixNano":"7","\u0073everityText":"\u0049NFO","body":{"stringValue":"\ud800 \xff"}}]}`,
		`{"appLogs":[{"timeUnixNano":"1","body":{"boolValue":"true"}},{"timeUnixNano":"1","body":{"boolValue":false}}]}`,
		`{"appLogs":[{"timeUnixNano":"1","body":{"kvlistValue":{"values":[{"key":"a","value":{"doubleValue":"-Infinity"}}]}}}]}`,
		`{"appLogs":[1,"x",[],true,{"timeUnixNano":-1},{"timeUnixNano":1e3},{"timeUnixNano":"1.5"}]}`,
		`{"appLogs":[],"appLogs":[{"timeUnixNano":"3"}],"cursor":"a","cursor":null}`,
		`{"appLogs":5}`, `{"cursor":1}`, `[]`, `{"appLogs":[{]}`, `{"appLogs":[01]}`, `{"a":1}x`, `{"a":"\u12"}`,
	} {
		bodies = append(bodies, []byte(s))
	}
	for _, body := range bodies {
		requireSameAsReference(t, body)
	}
}

func simulatorPage(t testing.TB, n int) []byte {
	t.Helper()
	return bytes.Clone(benchmarkPage(n))
}
