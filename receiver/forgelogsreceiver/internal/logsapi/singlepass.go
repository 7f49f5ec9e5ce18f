package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"encoding/base64"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// The single pass reads a record the way the API writes it, validating and decoding each byte
// once, straight into the scratch record. Anything it does not cover makes it report false; the
// exact path (scanRecord, fillRecord) then reads the record again with encoding/json's full rules.

// Members of a record, as bits of a set.
const (
	memberTime = 1 << iota
	memberSeverityNumber
	memberSeverityText
	memberBody
	memberTraceID
	memberSpanID
	memberAttributes
	memberOther
	memberOdd // a name that only matches without regard to case, or has escapes
)

// recordMembers are in the order of the member bits above, which is the order the API writes them.
var recordMembers = []string{"timeUnixNano", "severityNumber", "severityText", "body", "traceId", "spanId", "attributes"}

// quotedMembers are the record members as they stand in the body, name and colon.
var quotedMembers = func() []string {
	quoted := make([]string, len(recordMembers))
	for i, name := range recordMembers {
		quoted[i] = `"` + name + `":`
	}
	return quoted
}()

func memberOf(s *scanner, name span) int {
	if name.plain {
		switch string(s.data[name.start+1 : name.end-1]) {
		case "timeUnixNano":
			return memberTime
		case "severityNumber":
			return memberSeverityNumber
		case "severityText":
			return memberSeverityText
		case "body":
			return memberBody
		case "traceId":
			return memberTraceID
		case "spanId":
			return memberSpanID
		case "attributes":
			return memberAttributes
		}
	}
	for _, known := range recordMembers {
		if nameIs(s, name, known) {
			return memberOdd
		}
	}
	return memberOther
}

// singlePass decodes the record at s into the scratch record and finds its members' spans.
func (d *Decoder) singlePass(s *scanner) (f recordFields, fast bool, err error) {
	f.ok, fast = true, true
	start := s.pos
	lr := d.scratch
	seen := 0
	more, err := s.enterObject()
	expected := 0 // the member the API writes next, in its usual order
	for ; more && err == nil; more, err = s.nextMember() {
		var member int
		if expected < len(recordMembers) && s.skipLiteral(quotedMembers[expected]) {
			member = 1 << expected
			expected++
		} else {
			var name span
			if name, err = s.key(); err != nil {
				return f, false, err
			}
			member = memberOf(s, name)
		}
		if member == memberOdd || seen&member != 0 && member != memberOther {
			fast = false
		}
		seen |= member
		kind := s.peek()
		var v span
		var decoded bool
		switch {
		case !fast || member == memberOther:
			_, err = s.value()
		case member == memberTime:
			f.timestamp, err = s.value()
		case member == memberSeverityNumber:
			f.severityNumber, err = s.value()
		case member == memberSeverityText && kind == '"':
			f.severityText, err = s.value()
		case (member == memberTraceID || member == memberSpanID) && kind == '"':
			if v, err = s.value(); member == memberTraceID {
				f.traceID = v
			} else {
				f.spanID = v
			}
		case member == memberBody && kind == '{':
			decoded, err = d.fastAny(s, lr.Body(), -1)
			fast = fast && decoded
		case member == memberAttributes && kind == '[':
			decoded, err = d.fastKeyValues(s, lr.Attributes(), &d.lastAttributes)
			fast = fast && decoded
		case kind == 'n': // null leaves a known member absent, as encoding/json does for these
			_, err = s.value()
		default: // a type encoding/json would refuse: the exact path sorts it out
			fast = false
			_, err = s.value()
		}
		if err != nil {
			return f, false, err
		}
	}
	f.whole = span{start: start, end: s.pos}
	return f, fast, err
}

// fastAny decodes the AnyValue at s if it has the usual shape, a single member; otherwise it
// skips the value and reports false. A string value is shared through the cache at internAt,
// unless it is negative: only low-cardinality attributes are worth it.
func (d *Decoder) fastAny(s *scanner, dest pcommon.Value, internAt int) (bool, error) {
	start := s.pos
	// The API writes a string value as exactly this; match it byte for byte before tokenizing.
	if s.skipLiteral(`{"stringValue":`) && s.pos < len(s.data) && s.data[s.pos] == '"' {
		v, err := s.stringValue()
		if err == nil && s.skipLiteral("}") {
			if internAt >= 0 {
				dest.SetStr(d.strings.intern(s, v, internAt))
			} else {
				dest.SetStr(stringAt(s, v))
			}
			return true, nil
		}
	}
	s.pos = start
	more, err := s.enterObject()
	if err != nil || !more {
		return err == nil, err // {} is an empty value
	}
	name, err := s.key()
	if err != nil {
		return false, err
	}
	if !d.fastAnyMember(s, name, dest, internAt) {
		return d.skipFrom(s, start)
	}
	if more, err := s.nextMember(); err != nil || more {
		return d.skipFrom(s, start)
	}
	return true, nil
}

// fastAnyMember decodes the one member of an AnyValue; false means it is not the usual case.
func (d *Decoder) fastAnyMember(s *scanner, name span, dest pcommon.Value, internAt int) bool {
	if !name.plain {
		return false
	}
	kind := s.peek()
	switch string(s.data[name.start+1 : name.end-1]) {
	case "stringValue":
		if kind != '"' {
			return false
		}
		v, err := s.value()
		if err != nil {
			return false
		}
		if internAt >= 0 {
			dest.SetStr(d.strings.intern(s, v, internAt))
		} else {
			dest.SetStr(stringAt(s, v))
		}
	case "intValue":
		v, err := s.value()
		if err != nil || kind == 'n' || kind == '{' || kind == '[' {
			return false
		}
		n, err := parseInt64(s.data[v.start:v.end])
		if err != nil {
			return false
		}
		dest.SetInt(n)
	case "doubleValue":
		v, err := s.value()
		if err != nil || kind == 'n' || kind == '{' || kind == '[' {
			return false
		}
		x, err := parseFloat64(s.data[v.start:v.end])
		if err != nil {
			return false
		}
		dest.SetDouble(x)
	case "boolValue":
		if kind != 't' && kind != 'f' {
			return false
		}
		if _, err := s.value(); err != nil {
			return false
		}
		dest.SetBool(kind == 't')
	case "bytesValue":
		if kind != '"' {
			return false
		}
		v, err := s.value()
		if err != nil {
			return false
		}
		b, err := base64.StdEncoding.DecodeString(stringAt(s, v))
		if err != nil {
			return false
		}
		dest.SetEmptyBytes().FromRaw(b)
	case "arrayValue":
		return d.fastContainer(s, kind, func() (bool, error) {
			slice := dest.SetEmptySlice()
			more, err := s.enterArray()
			for ; more && err == nil; more, err = s.nextElement() {
				if s.peek() != '{' {
					return false, nil
				}
				if ok, err := d.fastAny(s, slice.AppendEmpty(), -1); !ok || err != nil {
					return false, err
				}
			}
			return err == nil, err
		})
	case "kvlistValue":
		return d.fastContainer(s, kind, func() (bool, error) {
			return d.fastKeyValues(s, dest.SetEmptyMap(), nil)
		})
	default:
		return false
	}
	return true
}

// fastContainer reads {"values": [...]} with values decoded by elements.
func (d *Decoder) fastContainer(s *scanner, kind byte, elements func() (bool, error)) bool {
	if kind != '{' {
		return false
	}
	if more, err := s.enterObject(); err != nil || !more {
		return false
	}
	name, err := s.key()
	if err != nil || !name.plain || string(s.data[name.start+1:name.end-1]) != "values" || s.peek() != '[' {
		return false
	}
	if ok, err := elements(); !ok || err != nil {
		return false
	}
	more, err := s.nextMember()
	return err == nil && !more
}

// fastKeyValues decodes a KeyValue array of the usual shape, {"key":"...","value":{...}} each.
// sizeHint, when set, remembers the count for the next record's attributes.
func (d *Decoder) fastKeyValues(s *scanner, dest pcommon.Map, sizeHint *int) (bool, error) {
	start := s.pos
	if sizeHint != nil {
		// Records of one app carry the same attributes: size the map like the last one.
		dest.EnsureCapacity(*sizeHint)
	}
	more, err := s.enterArray()
	for place := 0; more && err == nil; more, err = s.nextElement() {
		if !d.fastKeyValue(s, dest, place) {
			return d.skipFrom(s, start)
		}
		place += 2
	}
	if err != nil {
		return d.skipFrom(s, start)
	}
	if sizeHint != nil {
		*sizeHint = dest.Len()
	}
	return true, nil
}

// fastKeyValue decodes one KeyValue; place counts the strings before it in the record.
func (d *Decoder) fastKeyValue(s *scanner, dest pcommon.Map, place int) bool {
	start := s.pos
	// The API writes a KeyValue as exactly {"key":"...","value":{...}}; match that byte for byte.
	if s.skipLiteral(`{"key":`) && s.pos < len(s.data) && s.data[s.pos] == '"' {
		k, err := s.stringValue()
		if err == nil && s.skipLiteral(`,"value":`) && s.pos < len(s.data) && s.data[s.pos] == '{' {
			if ok, err := d.fastAnyOf(s, dest, k, place); ok && err == nil && s.skipLiteral("}") {
				return true
			}
		}
	}
	s.pos = start
	if more, err := s.enterObject(); err != nil || !more {
		return false
	}
	name, err := s.key()
	if err != nil || !name.plain || string(s.data[name.start+1:name.end-1]) != "key" || s.peek() != '"' {
		return false
	}
	k, err := s.value()
	if err != nil {
		return false
	}
	if more, err := s.nextMember(); err != nil || !more {
		return false
	}
	name, err = s.key()
	if err != nil || !name.plain || string(s.data[name.start+1:name.end-1]) != "value" || s.peek() != '{' {
		return false
	}
	if ok, err := d.fastAnyOf(s, dest, k, place); !ok || err != nil {
		return false
	}
	more, err := s.nextMember()
	return err == nil && !more
}

// fastAnyOf decodes the value of the attribute whose key is at k into dest.
func (d *Decoder) fastAnyOf(s *scanner, dest pcommon.Map, k span, place int) (bool, error) {
	key := d.strings.intern(s, k, place)
	internAt := -1
	if isLowCardinality(key) {
		internAt = place + 1
	}
	return d.fastAny(s, dest.PutEmpty(key), internAt)
}

// skipFrom goes back to start and skips the value there with full validation, for the exact path
// to read it again; it reports false, with the syntax error if there is one.
func (d *Decoder) skipFrom(s *scanner, start int) (bool, error) {
	s.pos = start
	_, err := s.value()
	return false, err
}
