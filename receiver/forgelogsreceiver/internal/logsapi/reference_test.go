package logsapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

type rawPage struct {
	AppLogs []json.RawMessage `json:"appLogs"`
	Cursor  *string           `json:"cursor"`
}

type rawRecord struct {
	TimeUnixNano   json.RawMessage  `json:"timeUnixNano"`
	SeverityNumber json.RawMessage  `json:"severityNumber"`
	SeverityText   *string          `json:"severityText"`
	Body           *json.RawMessage `json:"body"`
	TraceID        string           `json:"traceId"`
	SpanID         string           `json:"spanId"`
	Attributes     []rawKeyValue    `json:"attributes"`
}

// referenceDecode is the plain definition of Decode: encoding/json into structs, then into pdata.
// Decode must agree with it on every input.
func (d *Decoder) referenceDecode(body []byte, observed pcommon.Timestamp, accept func(RecordKey) bool) (Page, error) {
	var raw rawPage
	if err := json.Unmarshal(body, &raw); err != nil {
		return Page{}, fmt.Errorf("%w: %w", ErrMalformedPage, err)
	}
	if raw.AppLogs == nil {
		return Page{}, fmt.Errorf("%w: %w", ErrMalformedPage, errNoAppLogs)
	}
	page := Page{Logs: plog.NewLogs(), Records: len(raw.AppLogs), hasAppLogs: true}
	if raw.Cursor != nil {
		page.Cursor = *raw.Cursor
	}
	byVersion := map[string]plog.LogRecordSlice{}
	for i, recordBytes := range raw.AppLogs {
		key := RecordKey{Index: i, Fingerprint: Fingerprint(recordBytes)}
		page.Last = key
		var rec rawRecord
		if string(recordBytes) == "null" {
			page.Drops.Undecodable++
			continue
		}
		if err := json.Unmarshal(recordBytes, &rec); err != nil {
			page.Drops.Undecodable++
			continue
		}
		ts, err := parseUnixNano(rec.TimeUnixNano)
		if err != nil {
			page.Drops.Undecodable++
			continue
		}
		key.Timestamp = ts
		page.Last = key
		body := pcommon.NewValueEmpty()
		if rec.Body != nil {
			if err := decodeAnyValue(*rec.Body, body); err != nil {
				page.Drops.Undecodable++
				continue
			}
		}
		attrs := pcommon.NewMap()
		if err := decodeKeyValues(rec.Attributes, attrs); err != nil {
			page.Drops.Undecodable++
			continue
		}
		if accept != nil && !accept(key) {
			page.Drops.Rejected++
			continue
		}
		version := ""
		if v, ok := attrs.Get("appVersion"); ok && v.Type() == pcommon.ValueTypeStr {
			version = v.Str()
		}
		records, ok := byVersion[version]
		if !ok {
			records = d.newResourceLogs(page.Logs, version)
			byVersion[version] = records
		}
		lr := records.AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(ts))
		lr.SetObservedTimestamp(observed)
		if rec.SeverityText != nil {
			setSeverity(lr, *rec.SeverityText, true, rec.SeverityNumber)
		} else {
			setSeverity(lr, "", false, rec.SeverityNumber)
		}
		body.MoveTo(lr.Body())
		attrs.MoveTo(lr.Attributes())
		if !setTraceID(lr, []byte(rec.TraceID)) {
			page.Drops.InvalidTraceID++
		}
		if !setSpanID(lr, []byte(rec.SpanID)) {
			page.Drops.InvalidSpanID++
		}
	}
	return page, nil
}

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
