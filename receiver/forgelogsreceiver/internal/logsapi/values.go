package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"encoding/base64"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// anyFields are the spans of an OTLP/JSON AnyValue's members, with encoding/json's rules.
type anyFields struct {
	ok                                  bool
	str, boolean, integer, double, byts span
	// arrayValue and kvlistValue are pointers to structs: present once set, and a repeat
	// replaces only the members it has.
	hasArray, hasKvlist       bool
	arrayValues, kvlistValues span
}

// anyValue decodes the AnyValue at sp, which the scanner already validated, into dest.
func (d *Decoder) anyValue(outer *scanner, sp span, dest pcommon.Value) error {
	s := scanner{data: outer.data[:sp.end], pos: sp.start}
	switch s.peek() {
	case 'n':
		return nil
	case '{':
	default:
		return errBadValue
	}
	f := anyFields{ok: true}
	more, err := s.enterObject()
	for ; more && err == nil; more, err = s.nextMember() {
		name, _ := s.key()
		kind := s.peek()
		v, _ := s.value()
		switch {
		case nameIs(&s, name, "stringValue"):
			f.str, f.ok = pointerTo(kind, '"', v, f.str, f.ok)
		case nameIs(&s, name, "boolValue"):
			if kind == 'f' {
				kind = 't'
			}
			f.boolean, f.ok = pointerTo(kind, 't', v, f.boolean, f.ok)
		case nameIs(&s, name, "intValue"):
			f.integer = v // a json.RawMessage: null is kept as the text null
		case nameIs(&s, name, "doubleValue"):
			f.double = v
		case nameIs(&s, name, "bytesValue"):
			f.byts, f.ok = pointerTo(kind, '"', v, f.byts, f.ok)
		case nameIs(&s, name, "arrayValue"):
			f.hasArray, f.arrayValues, f.ok = container(&s, kind, v, f.hasArray, f.arrayValues, f.ok)
		case nameIs(&s, name, "kvlistValue"):
			f.hasKvlist, f.kvlistValues, f.ok = container(&s, kind, v, f.hasKvlist, f.kvlistValues, f.ok)
		}
	}
	if err != nil || !f.ok {
		return errBadValue
	}
	switch {
	case f.str.present():
		dest.SetStr(stringAt(&s, f.str))
	case f.boolean.present():
		dest.SetBool(s.data[f.boolean.start] == 't')
	case f.integer.present():
		n, err := parseInt64(s.data[f.integer.start:f.integer.end])
		if err != nil {
			return err
		}
		dest.SetInt(n)
	case f.double.present():
		x, err := parseFloat64(s.data[f.double.start:f.double.end])
		if err != nil {
			return err
		}
		dest.SetDouble(x)
	case f.byts.present():
		b, err := base64.StdEncoding.DecodeString(stringAt(&s, f.byts))
		if err != nil {
			return errBadValue
		}
		dest.SetEmptyBytes().FromRaw(b)
	case f.hasArray:
		slice := dest.SetEmptySlice()
		if !f.arrayValues.present() {
			return nil
		}
		elems := scanner{data: s.data[:f.arrayValues.end], pos: f.arrayValues.start}
		more, err := elems.enterArray()
		for ; more && err == nil; more, err = elems.nextElement() {
			v, _ := elems.value()
			if err := d.anyValue(&elems, v, slice.AppendEmpty()); err != nil {
				return err
			}
		}
	case f.hasKvlist:
		m := dest.SetEmptyMap()
		if f.kvlistValues.present() {
			return d.keyValues(&s, f.kvlistValues, m)
		}
	}
	return nil
}

// container reads arrayValue or kvlistValue: a pointer to a struct whose only member is values.
func container(s *scanner, kind byte, v span, has bool, values span, ok bool) (bool, span, bool) {
	switch kind {
	case 'n':
		return false, span{}, ok
	case '{':
	default:
		return has, values, false
	}
	if !has {
		values = span{} // a new struct
	}
	inner := scanner{data: s.data[:v.end], pos: v.start}
	more, err := inner.enterObject()
	for ; more && err == nil; more, err = inner.nextMember() {
		name, _ := inner.key()
		elemKind := inner.peek()
		vals, _ := inner.value()
		if nameIs(&inner, name, "values") {
			values, ok = pointerTo(elemKind, '[', vals, values, ok)
		}
	}
	return true, values, ok
}

// keyValues decodes the KeyValue array at sp into dest, in order; a repeated key keeps its place
// and takes the later value.
func (d *Decoder) keyValues(outer *scanner, sp span, dest pcommon.Map) error {
	s := scanner{data: outer.data[:sp.end], pos: sp.start}
	more, err := s.enterArray()
	for ; more && err == nil; more, err = s.nextElement() {
		var key, value span
		switch s.peek() {
		case 'n':
			_ = s.literal("null")
			dest.PutEmpty("")
			continue
		case '{':
		default:
			return errBadValue
		}
		ok := true
		more, err := s.enterObject()
		for ; more && err == nil; more, err = s.nextMember() {
			name, _ := s.key()
			kind := s.peek()
			v, _ := s.value()
			switch {
			case nameIs(&s, name, "key"):
				key, ok = valueOf(kind, '"', v, key, ok)
			case nameIs(&s, name, "value"):
				value = v
			}
		}
		if !ok {
			return errBadValue
		}
		slot := dest.PutEmpty(stringAt(&s, key))
		if !value.present() {
			continue
		}
		if err := d.anyValue(&s, value, slot); err != nil {
			return err
		}
	}
	return nil
}

// nameIs matches a member's name the way encoding/json matches a field: exactly, or else without
// regard to case.
func nameIs(s *scanner, name span, want string) bool {
	if name.plain {
		got := s.data[name.start+1 : name.end-1]
		if len(got) != len(want) {
			return false
		}
		return string(got) == want || strings.EqualFold(string(got), want)
	}
	return strings.EqualFold(unescape(s.data[name.start+1:name.end-1]), want)
}

// stringAt returns the JSON string at sp, or "" when sp is absent.
func stringAt(s *scanner, sp span) string {
	if !sp.present() {
		return ""
	}
	if sp.plain {
		return string(s.data[sp.start+1 : sp.end-1])
	}
	return unescape(s.data[sp.start+1 : sp.end-1])
}

// isLowCardinality names Forge's attributes whose values repeat from record to record: sharing
// their strings saves an allocation each. invocationId and arguments are unique and left out.
func isLowCardinality(key string) bool {
	switch key {
	case "appId", "environmentId", "installationContext", "appVersion", "functionKey", "moduleType", "licenseState", "edition":
		return true
	}
	return false
}

// bytesAt returns the bytes of the JSON string at sp: in place when plain, else unescaped.
func bytesAt(s *scanner, sp span) []byte {
	if !sp.present() {
		return nil
	}
	if sp.plain {
		return s.data[sp.start+1 : sp.end-1]
	}
	return []byte(unescape(s.data[sp.start+1 : sp.end-1]))
}

// severityTextAt returns the severityText at sp, sharing the strings of the usual levels.
func severityTextAt(s *scanner, sp span) string {
	if sp.plain {
		switch string(s.data[sp.start+1 : sp.end-1]) {
		case "TRACE":
			return "TRACE"
		case "DEBUG":
			return "DEBUG"
		case "INFO":
			return "INFO"
		case "WARN":
			return "WARN"
		case "ERROR":
			return "ERROR"
		case "FATAL":
			return "FATAL"
		}
	}
	return stringAt(s, sp)
}
