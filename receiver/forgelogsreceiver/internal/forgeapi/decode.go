package forgeapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/forgeapi"

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Resource describes the stream a page belongs to; it becomes the resource of its records.
type Resource struct {
	ServiceName     string
	AppID           string
	EnvironmentID   string
	EnvironmentName string
}

// Scope names the instrumentation scope of every record.
type Scope struct {
	Name    string
	Version string
}

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
}

// Decoder turns page bodies into pdata for one stream.
type Decoder struct {
	resource Resource
	scope    Scope
}

// NewDecoder returns a decoder whose records carry resource and scope.
func NewDecoder(resource Resource, scope Scope) *Decoder {
	return &Decoder{resource: resource, scope: scope}
}

// ErrMalformedPage is returned when the body is not a page at all: the caller should retry.
var ErrMalformedPage = errors.New("malformed page")

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

// Decode converts body into pdata. observed is when the page was fetched. accept, when not nil, is
// asked about every decodable record and may refuse it (a record already delivered); refused
// records are counted in Drops.Rejected. A record that cannot be decoded is skipped and counted;
// the rest of the page is delivered. An error means the body as a whole is unusable.
func (d *Decoder) Decode(body []byte, observed pcommon.Timestamp, accept func(RecordKey) bool) (Page, error) {
	var raw rawPage
	if err := json.Unmarshal(body, &raw); err != nil {
		return Page{}, fmt.Errorf("%w: %w", ErrMalformedPage, err)
	}
	page := Page{Logs: plog.NewLogs(), Records: len(raw.AppLogs)}
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
		setSeverity(lr, rec.SeverityText, rec.SeverityNumber)
		body.MoveTo(lr.Body())
		attrs.MoveTo(lr.Attributes())
		if !setTraceID(lr, rec.TraceID) {
			page.Drops.InvalidTraceID++
		}
		if !setSpanID(lr, rec.SpanID) {
			page.Drops.InvalidSpanID++
		}
	}
	return page, nil
}

func (d *Decoder) newResourceLogs(logs plog.Logs, appVersion string) plog.LogRecordSlice {
	rl := logs.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.PutStr("service.name", d.resource.ServiceName)
	if appVersion != "" {
		attrs.PutStr("service.version", appVersion)
	}
	attrs.PutStr("forge.app.id", d.resource.AppID)
	attrs.PutStr("forge.environment.id", d.resource.EnvironmentID)
	if d.resource.EnvironmentName != "" {
		attrs.PutStr("deployment.environment.name", d.resource.EnvironmentName)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(d.scope.Name)
	sl.Scope().SetVersion(d.scope.Version)
	return sl.LogRecords()
}

// Fingerprint hashes a record's raw bytes; the API answers the same query with the same bytes.
func Fingerprint(record []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(record)
	return h.Sum64()
}

// parseUnixNano accepts timeUnixNano as a string or a number; a missing value is zero.
func parseUnixNano(raw json.RawMessage) (uint64, error) {
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

func setSeverity(lr plog.LogRecord, text *string, number json.RawMessage) {
	if text != nil {
		lr.SetSeverityText(*text)
		lr.SetSeverityNumber(severityByText[strings.ToUpper(*text)])
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
