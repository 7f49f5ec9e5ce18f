package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"encoding/hex"

	"go.opentelemetry.io/collector/pdata/plog"
)

// setTraceID decodes a hex trace id; a 16-hex id (64-bit) is left-padded with zeros as W3C
// trace context does. It reports false when the id is present but invalid, all zeros included
// (W3C trace context's invalid id, which pdata would read as no id at all).
func setTraceID(lr plog.LogRecord, id []byte) bool {
	if len(id) == 0 {
		return true
	}
	var tid [16]byte
	switch len(id) {
	case 32:
		if _, err := hex.Decode(tid[:], id); err != nil {
			return false
		}
	case 16:
		if _, err := hex.Decode(tid[8:], id); err != nil {
			return false
		}
	default:
		return false
	}
	if tid == [16]byte{} {
		return false
	}
	lr.SetTraceID(tid)
	return true
}

// setSpanID decodes a 16-hex span id; it reports false when the id is present but invalid, all
// zeros included.
func setSpanID(lr plog.LogRecord, id []byte) bool {
	if len(id) == 0 {
		return true
	}
	var sid [8]byte
	if len(id) != 16 {
		return false
	}
	if _, err := hex.Decode(sid[:], id); err != nil || sid == [8]byte{} {
		return false
	}
	lr.SetSpanID(sid)
	return true
}
