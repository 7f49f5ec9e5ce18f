package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/forgelogs/otelcol-forge/internal/resource"
)

// Resource describes the stream a page belongs to; it becomes the resource of its records.
type Resource = resource.Environment

// Scope names the instrumentation scope of every record.
type Scope = resource.Scope

// RecordKey identifies a record of a page for deduplication and checkpoints.
type RecordKey struct {
	// Index is the record's position in the page's appLogs array.
	Index int
	// Timestamp is timeUnixNano, zero when the record has none or cannot be decoded.
	Timestamp uint64
	// Fingerprint is a hash of the record's raw bytes; equal records hash equal.
	Fingerprint uint64
}

// Drops counts what decoding left out.
type Drops struct {
	// Undecodable records were skipped entirely.
	Undecodable int
	// InvalidTraceID and InvalidSpanID records were delivered without that id.
	InvalidTraceID int
	InvalidSpanID  int
	// Rejected records were refused by the caller's accept function (already delivered).
	Rejected int
}

// Page is one decoded API answer.
type Page struct {
	Logs plog.Logs
	// Cursor leads to the next page of the same window; empty on the window's last page.
	Cursor string
	// Records is the length of appLogs, whatever became of each record.
	Records int
	// Last is the key of the page's last record, valid when Records > 0.
	Last  RecordKey
	Drops Drops

	// hasAppLogs is set when the body has an appLogs array: the API always sends one, [] when
	// empty, and a body without it (null, an error object) is no page at all.
	hasAppLogs bool
}

// errNoAppLogs refuses a body without appLogs: taken for an empty last page, it would end the
// window and lose the rest of its records without a word.
var errNoAppLogs = errors.New(`no "appLogs" array`)

// Decoder turns page bodies into pdata for one stream. It is not safe for concurrent use: it
// keeps a scratch record and a cache of repeated strings between pages.
type Decoder struct {
	resource Resource
	scope    Scope
	strings  *stringCache
	scratch  plog.LogRecord
	// lastAttributes is how many attributes the previous record had.
	lastAttributes int
}

// NewDecoder returns a decoder whose records carry resource and scope.
func NewDecoder(resource Resource, scope Scope) *Decoder {
	return &Decoder{resource: resource, scope: scope, strings: newStringCache(), scratch: plog.NewLogRecord()}
}

// ErrMalformedPage is returned when the body is not a page at all: the caller should retry.
var ErrMalformedPage = errors.New("malformed page")

// Decode converts body into pdata. observed is when the page was fetched. accept, when not nil, is
// asked about every decodable record and may refuse it (a record already delivered); refused
// records are counted in Drops.Rejected. A record that cannot be decoded is skipped and counted;
// the rest of the page is delivered. An error means the body as a whole is unusable.
//
// It reads the body in place, straight into pdata, with the semantics of encoding/json (names
// matched without regard to case, the last of duplicate members wins); referenceDecode in the tests
// is the plain definition it must agree with.
func (d *Decoder) Decode(body []byte, observed pcommon.Timestamp, accept func(RecordKey) bool) (Page, error) {
	s := scanner{data: body}
	page := Page{Logs: plog.NewLogs()}
	err := d.decodePage(&s, &page, observed, accept)
	if err == nil {
		s.skipSpace()
		if s.pos != len(body) {
			err = errSyntax
		} else if !page.hasAppLogs {
			err = errNoAppLogs
		}
	}
	if err != nil {
		return Page{}, fmt.Errorf("%w: %w at byte %d", ErrMalformedPage, err, s.pos)
	}
	return page, nil
}

func (d *Decoder) decodePage(s *scanner, page *Page, observed pcommon.Timestamp, accept func(RecordKey) bool) error {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '{':
	default:
		return errSyntax
	}
	var typeErr bool
	more, err := s.enterObject()
	for ; more && err == nil; more, err = s.nextMember() {
		name, err := s.key()
		if err != nil {
			return err
		}
		switch {
		case nameIs(s, name, "appLogs"):
			// A repeated appLogs replaces the earlier one, as in encoding/json.
			*page = Page{Logs: plog.NewLogs(), Cursor: page.Cursor}
			switch s.peek() {
			case '[':
				if err := d.decodeRecords(s, page, observed, accept); err != nil {
					return err
				}
				page.hasAppLogs = true
				continue
			case 'n':
			default:
				typeErr = true
			}
		case nameIs(s, name, "cursor"):
			switch s.peek() {
			case '"':
				v, err := s.value()
				if err != nil {
					return err
				}
				page.Cursor = stringAt(s, v)
				continue
			case 'n':
				page.Cursor = ""
			default:
				typeErr = true
			}
		}
		if _, err := s.value(); err != nil {
			return err
		}
	}
	if err == nil && typeErr {
		err = errors.New("appLogs or cursor of the wrong type")
	}
	return err
}

func (d *Decoder) decodeRecords(s *scanner, page *Page, observed pcommon.Timestamp, accept func(RecordKey) bool) error {
	byVersion := map[string]plog.LogRecordSlice{}
	// Consecutive records mostly share their app version: remember the last one's records.
	var lastVersion string
	var lastRecords plog.LogRecordSlice
	more, err := s.enterArray()
	for i := 0; more && err == nil; more, err = s.nextElement() {
		fields, decodeErr, err := d.record(s)
		if err != nil {
			return err
		}
		page.Records++
		key := RecordKey{Index: i, Fingerprint: Fingerprint(s.data[fields.whole.start:fields.whole.end])}
		i++
		page.Last = key
		// The order of these checks is encoding/json's: the record's shape, its timestamp, then
		// its body and attributes.
		if !fields.ok {
			d.dropScratch(&page.Drops.Undecodable)
			continue
		}
		ts, err := parseUnixNano(fields.raw(s, fields.timestamp))
		if err != nil {
			d.dropScratch(&page.Drops.Undecodable)
			continue
		}
		key.Timestamp = ts
		page.Last = key
		if decodeErr != nil {
			d.dropScratch(&page.Drops.Undecodable)
			continue
		}
		if accept != nil && !accept(key) {
			d.dropScratch(&page.Drops.Rejected)
			continue
		}
		lr := d.scratch
		version := ""
		if v, ok := lr.Attributes().Get("appVersion"); ok && v.Type() == pcommon.ValueTypeStr {
			version = v.Str()
		}
		if version != lastVersion || page.Logs.ResourceLogs().Len() == 0 {
			records, ok := byVersion[version]
			if !ok {
				records = d.newResourceLogs(page.Logs, version)
				byVersion[version] = records
			}
			lastVersion, lastRecords = version, records
		}
		records := lastRecords
		lr.SetTimestamp(pcommon.Timestamp(ts))
		lr.SetObservedTimestamp(observed)
		if !setTraceID(lr, bytesAt(s, fields.traceID)) {
			page.Drops.InvalidTraceID++
		}
		if !setSpanID(lr, bytesAt(s, fields.spanID)) {
			page.Drops.InvalidSpanID++
		}
		lr.MoveTo(records.AppendEmpty())
	}
	return err
}

// dropScratch counts a record that is not delivered and starts the next one afresh.
func (d *Decoder) dropScratch(counter *int) {
	*counter++
	d.scratch = plog.NewLogRecord()
}

// record decodes one element of appLogs into the scratch record. It tries the single pass first;
// a record that it does not cover (duplicate or differently cased members, unusual values, type
// errors) is read again by the exact path. decodeErr makes the record undecodable; err means the
// page is not valid JSON.
func (d *Decoder) record(s *scanner) (fields recordFields, decodeErr, err error) {
	if s.peek() != '{' {
		// null, or a value that is not a record: undecodable either way.
		v, err := s.value()
		return recordFields{whole: v}, nil, err
	}
	start := s.pos
	fields, fast, err := d.singlePass(s)
	if err != nil {
		return fields, nil, err
	}
	if fast {
		setSeverity(d.scratch, severityTextAt(s, fields.severityText), fields.severityText.present(), fields.raw(s, fields.severityNumber))
		return fields, nil, nil
	}
	d.scratch = plog.NewLogRecord()
	exact := scanner{data: s.data[:s.pos], pos: start}
	if fields, err = d.scanRecord(&exact); err != nil || !fields.ok {
		return fields, nil, err
	}
	return fields, d.fillRecord(&exact, d.scratch, &fields), nil
}

// recordFields are the spans of a record's known members, the last of each when repeated.
type recordFields struct {
	whole                       span
	ok                          bool // no member of a type encoding/json would refuse
	timestamp, severityNumber   span
	severityText, body          span // absent when null: encoding/json sets the pointer to nil
	traceID, spanID, attributes span
}

// raw returns the bytes of sp, or nil when the member was absent.
func (f *recordFields) raw(s *scanner, sp span) []byte {
	if !sp.present() {
		return nil
	}
	return s.data[sp.start:sp.end]
}

// scanRecord validates the record object at s and finds its members.
func (d *Decoder) scanRecord(s *scanner) (recordFields, error) {
	f := recordFields{ok: true}
	start := s.pos
	more, err := s.enterObject()
	for ; more && err == nil; more, err = s.nextMember() {
		name, err := s.key()
		if err != nil {
			return f, err
		}
		kind := s.peek()
		v, err := s.value()
		if err != nil {
			return f, err
		}
		switch {
		case nameIs(s, name, "timeUnixNano"):
			f.timestamp = v
		case nameIs(s, name, "severityNumber"):
			f.severityNumber = v
		case nameIs(s, name, "severityText"):
			f.severityText, f.ok = pointerTo(kind, '"', v, f.severityText, f.ok)
		case nameIs(s, name, "body"):
			f.body = nullable(kind, v)
		case nameIs(s, name, "traceId"):
			f.traceID, f.ok = valueOf(kind, '"', v, f.traceID, f.ok)
		case nameIs(s, name, "spanId"):
			f.spanID, f.ok = valueOf(kind, '"', v, f.spanID, f.ok)
		case nameIs(s, name, "attributes"):
			f.attributes, f.ok = pointerTo(kind, '[', v, f.attributes, f.ok)
		}
	}
	f.whole = span{start: start, end: s.pos}
	return f, err
}

// The three ways encoding/json stores a member, by the Go type of its field.

// nullable is a json.RawMessage behind a pointer: null clears it, anything else is kept.
func nullable(kind byte, v span) span {
	if kind == 'n' {
		return span{}
	}
	return v
}

// pointerTo is a pointer or slice field whose JSON kind must be want: null clears it, another
// kind is a type error.
func pointerTo(kind, want byte, v, previous span, ok bool) (span, bool) {
	switch kind {
	case 'n':
		return span{}, ok
	case want:
		return v, ok
	}
	return previous, false
}

// valueOf is a plain field whose JSON kind must be want: null leaves it as it was.
func valueOf(kind, want byte, v, previous span, ok bool) (span, bool) {
	switch kind {
	case 'n':
		return previous, ok
	case want:
		return v, ok
	}
	return previous, false
}

// fillRecord decodes severity, body and attributes into lr.
func (d *Decoder) fillRecord(s *scanner, lr plog.LogRecord, f *recordFields) error {
	setSeverity(lr, severityTextAt(s, f.severityText), f.severityText.present(), f.raw(s, f.severityNumber))
	if f.body.present() {
		if err := d.anyValue(s, f.body, lr.Body()); err != nil {
			return err
		}
	}
	if f.attributes.present() {
		return d.keyValues(s, f.attributes, lr.Attributes())
	}
	return nil
}

func (d *Decoder) newResourceLogs(logs plog.Logs, appVersion string) plog.LogRecordSlice {
	rl := logs.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	d.resource.Put(attrs)
	if appVersion != "" {
		attrs.PutStr("service.version", appVersion)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	d.scope.Put(sl.Scope())
	return sl.LogRecords()
}

// Fingerprint hashes a record's raw bytes; the API answers the same query with the same bytes.
// The hash is xxHash64, whose values are stable across processes and versions: checkpoints keep them.
func Fingerprint(record []byte) uint64 {
	return xxhash.Sum64(record)
}

// parseUnixNano accepts timeUnixNano as a string or a number; a missing value is zero.
func parseUnixNano(raw []byte) (uint64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	return parseUint64(raw)
}

// severityByText follows the OTLP data model's SeverityNumber of each level name.
var severityByText = map[string]plog.SeverityNumber{
	"TRACE": plog.SeverityNumberTrace,
	"DEBUG": plog.SeverityNumberDebug,
	"INFO":  plog.SeverityNumberInfo,
	"WARN":  plog.SeverityNumberWarn,
	"ERROR": plog.SeverityNumberError,
	"FATAL": plog.SeverityNumberFatal,
}

// setSeverity follows severityText when the record has one, else Forge's numeric severity. An
// empty text is the OTLP/JSON default, the same as none.
func setSeverity(lr plog.LogRecord, text string, hasText bool, number []byte) {
	if hasText && text != "" {
		lr.SetSeverityText(text)
		lr.SetSeverityNumber(severityByText[strings.ToUpper(text)])
		return
	}
	if n, err := parseUint64(number); err == nil {
		lr.SetSeverityNumber(severityFromForge(n))
	}
}

// severityFromForge maps Forge's own scale, 10 TRACE to 60 FATAL in steps of ten, onto OTLP's.
func severityFromForge(n uint64) plog.SeverityNumber {
	levels := [...]plog.SeverityNumber{
		plog.SeverityNumberTrace, plog.SeverityNumberDebug, plog.SeverityNumberInfo,
		plog.SeverityNumberWarn, plog.SeverityNumberError, plog.SeverityNumberFatal,
	}
	if n < 10 || n >= 70 {
		return plog.SeverityNumberUnspecified
	}
	return levels[n/10-1]
}
