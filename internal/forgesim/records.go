package forgesim // import "github.com/forgelogs/otelcol-forge/internal/forgesim"

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"
)

// groupSize records share each millisecond, as real invocations often log several lines at once.
const groupSize = 3

// Levels in Forge's order; numeric severities are 10 (TRACE) to 60 (FATAL).
var Levels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// Record is one synthetic log record. Index is unique within its (app, environment) and is
// written into the invocationId attribute, so tests can count what arrived.
type Record struct {
	AppID, EnvironmentID string
	Index                int64
	TimeUnixNano         int64
	Level                int // index into Levels
	Site                 string
	Message              string
}

// timeline places records of one environment on a clock: groups of groupSize records every period.
type timeline struct {
	origin time.Time
	period time.Duration
}

func newTimeline(origin time.Time, recordsPerSecond float64) timeline {
	period := time.Duration(float64(groupSize) / recordsPerSecond * float64(time.Second)).Truncate(time.Millisecond)
	return timeline{origin: origin.Truncate(time.Millisecond), period: max(period, time.Millisecond)}
}

// at returns the timestamp of record i: a millisecond boundary, plus a microsecond per place in its group.
func (tl timeline) at(i int64) time.Time {
	return tl.origin.Add(time.Duration(i/groupSize)*tl.period + time.Duration(i%groupSize)*time.Microsecond)
}

// first returns the index of the first record whose millisecond is at or after t.
func (tl timeline) first(t time.Time) int64 {
	if !t.After(tl.origin) {
		return 0
	}
	d := t.Sub(tl.origin)
	groups := int64((d + tl.period - 1) / tl.period)
	return groups * groupSize
}

// levelOf spreads levels unevenly, as real logs are mostly INFO.
func levelOf(i int64) int {
	switch i % 10 {
	case 0:
		return 0
	case 1:
		return 1
	case 2, 3, 4, 5:
		return 2
	case 6, 7:
		return 3
	case 8:
		return 4
	default:
		return 5
	}
}

var functions = []string{"updateStatusTitle", "issuePanel", "webtriggerHandler", "scheduledSync"}

func (s *Server) record(app, env string, i int64) Record {
	return Record{
		AppID: app, EnvironmentID: env, Index: i,
		TimeUnixNano: s.timeline.at(i).UnixNano(),
		Level:        levelOf(i),
		Site:         s.cfg.Sites[int(i%int64(len(s.cfg.Sites)))],
		Message:      fmt.Sprintf("Invocation %d of %s finished", i, functions[i%int64(len(functions))]),
	}
}

// InvocationID is the unique id of record i of env, as written in its invocationId attribute.
func InvocationID(env string, i int64) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(env))
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", h.Sum32(), i)
}

// appendJSON writes r in the API's shape, varying the encodings OTLP/JSON allows: string and
// numeric timestamps, numeric severities without text, structured bodies, and 64-bit trace ids,
// which Forge Remote's B3 headers can carry (no Forge log record with one is known).
func (r Record) appendJSON(b []byte) []byte {
	i := r.Index
	b = append(b, `{"timeUnixNano":`...)
	if i%7 == 0 {
		b = strconv.AppendInt(b, r.TimeUnixNano, 10)
	} else {
		b = append(b, '"')
		b = strconv.AppendInt(b, r.TimeUnixNano, 10)
		b = append(b, '"')
	}
	b = append(b, `,"severityNumber":`...)
	b = strconv.AppendInt(b, int64(r.Level+1)*10, 10)
	if i%13 != 0 {
		b = append(b, `,"severityText":"`...)
		b = append(b, Levels[r.Level]...)
		b = append(b, '"')
	}
	b = append(b, `,"body":`...)
	if i%5 == 4 {
		b = append(b, `{"kvlistValue":{"values":[{"key":"message","value":{"stringValue":`...)
		b = strconv.AppendQuote(b, r.Message)
		b = append(b, `}},{"key":"durationMs","value":{"intValue":"`...)
		b = strconv.AppendInt(b, 3+i%250, 10)
		b = append(b, `"}}]}}`...)
	} else {
		b = append(b, `{"stringValue":`...)
		b = strconv.AppendQuote(b, r.Message)
		b = append(b, '}')
	}
	if i%4 == 3 {
		b = fmt.Appendf(b, `,"traceId":"%016x"`, uint64(i)*2654435761+1)
	} else {
		b = fmt.Appendf(b, `,"traceId":"%016x%016x"`, uint64(r.TimeUnixNano), uint64(i)+1)
	}
	b = fmt.Appendf(b, `,"spanId":"%016x"`, uint64(i)*40503+7)
	b = append(b, `,"attributes":[`...)
	b = appendAttr(b, "appId", r.AppID, false)
	b = appendAttr(b, "environmentId", r.EnvironmentID, true)
	b = appendAttr(b, "invocationId", InvocationID(r.EnvironmentID, i), true)
	b = appendAttr(b, "installationContext", r.Site, true)
	version := "1.206.0"
	if i%50 == 49 {
		version = "1.205.3"
	}
	b = appendAttr(b, "appVersion", version, true)
	b = appendAttr(b, "functionKey", functions[i%int64(len(functions))], true)
	b = appendAttr(b, "moduleType", "core:function", true)
	b = appendAttr(b, "arguments", fmt.Sprintf(`[{"randomData":0.%d}]`, (i*7919)%1000003), true)
	b = appendAttr(b, "licenseState", "Active", true)
	b = appendAttr(b, "edition", "Standard", true)
	return append(b, "]}"...)
}

func appendAttr(b []byte, key, value string, comma bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, `{"key":"`...)
	b = append(b, key...)
	b = append(b, `","value":{"stringValue":`...)
	b = strconv.AppendQuote(b, value)
	return append(b, "}}"...)
}

// PageJSON renders the first n records of env as one page, as the API would send it: for
// benchmarks and tests that need a realistic body without a server.
func (s *Server) PageJSON(app, env string, n int) []byte {
	body := append(make([]byte, 0, n*900), `{"appLogs":[`...)
	for i := range int64(n) {
		if i > 0 {
			body = append(body, ',')
		}
		body = s.record(app, env, i).appendJSON(body)
	}
	return append(body, `],"cursor":"next"}`...)
}
