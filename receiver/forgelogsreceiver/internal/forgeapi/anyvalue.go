package forgeapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/forgeapi"

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// The OTLP/JSON encoding of AnyValue and KeyValue, as the API sends them.
type rawAnyValue struct {
	StringValue *string         `json:"stringValue"`
	BoolValue   *bool           `json:"boolValue"`
	IntValue    json.RawMessage `json:"intValue"`
	DoubleValue json.RawMessage `json:"doubleValue"`
	BytesValue  *string         `json:"bytesValue"`
	ArrayValue  *struct {
		Values []json.RawMessage `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []rawKeyValue `json:"values"`
	} `json:"kvlistValue"`
}

type rawKeyValue struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

var errBadValue = errors.New("invalid AnyValue")

// decodeAnyValue fills dest from an OTLP/JSON AnyValue. An empty object is an empty value.
func decodeAnyValue(raw json.RawMessage, dest pcommon.Value) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var v rawAnyValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%w: %w", errBadValue, err)
	}
	switch {
	case v.StringValue != nil:
		dest.SetStr(*v.StringValue)
	case v.BoolValue != nil:
		dest.SetBool(*v.BoolValue)
	case v.IntValue != nil:
		n, err := parseInt64(v.IntValue)
		if err != nil {
			return err
		}
		dest.SetInt(n)
	case v.DoubleValue != nil:
		f, err := parseFloat64(v.DoubleValue)
		if err != nil {
			return err
		}
		dest.SetDouble(f)
	case v.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*v.BytesValue)
		if err != nil {
			return fmt.Errorf("%w: bytesValue: %w", errBadValue, err)
		}
		dest.SetEmptyBytes().FromRaw(b)
	case v.ArrayValue != nil:
		slice := dest.SetEmptySlice()
		slice.EnsureCapacity(len(v.ArrayValue.Values))
		for _, elem := range v.ArrayValue.Values {
			if err := decodeAnyValue(elem, slice.AppendEmpty()); err != nil {
				return err
			}
		}
	case v.KvlistValue != nil:
		return decodeKeyValues(v.KvlistValue.Values, dest.SetEmptyMap())
	}
	return nil
}

func decodeKeyValues(kvs []rawKeyValue, dest pcommon.Map) error {
	dest.EnsureCapacity(len(kvs))
	for _, kv := range kvs {
		if err := decodeAnyValue(kv.Value, dest.PutEmpty(kv.Key)); err != nil {
			return fmt.Errorf("attribute %q: %w", kv.Key, err)
		}
	}
	return nil
}

// unquote strips the quotes of a JSON string holding a number (OTLP/JSON writes 64-bit ints as strings).
func unquote(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		return raw[1 : len(raw)-1]
	}
	return raw
}

func parseInt64(raw json.RawMessage) (int64, error) {
	n, err := strconv.ParseInt(string(unquote(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: intValue %s", errBadValue, raw)
	}
	return n, nil
}

func parseUint64(raw json.RawMessage) (uint64, error) {
	s := string(unquote(raw))
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, nil
	}
	// A JSON number in exponent form, as some encoders write large integers.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= math.MaxUint64 || f != math.Trunc(f) {
		return 0, fmt.Errorf("%w: not an unsigned integer: %s", errBadValue, raw)
	}
	return uint64(f), nil
}

func parseFloat64(raw json.RawMessage) (float64, error) {
	s := string(unquote(raw))
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: doubleValue %s", errBadValue, raw)
	}
	return f, nil
}
