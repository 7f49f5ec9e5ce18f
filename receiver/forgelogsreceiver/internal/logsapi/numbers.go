package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

var errBadValue = errors.New("invalid AnyValue")

// unquote strips the quotes of a JSON string holding a number (OTLP/JSON writes 64-bit ints as strings).
func unquote(raw []byte) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		return raw[1 : len(raw)-1]
	}
	return raw
}

// digits reads a plain decimal number of at most 18 digits, which cannot overflow, without
// converting it to a string; ok is false for anything else, which strconv then handles.
func digits(b []byte) (n uint64, ok bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

func parseInt64(raw []byte) (int64, error) {
	if n, ok := digits(unquote(raw)); ok {
		return int64(n), nil
	}
	n, err := strconv.ParseInt(string(unquote(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: intValue %s", errBadValue, raw)
	}
	return n, nil
}

func parseUint64(raw []byte) (uint64, error) {
	if n, ok := digits(unquote(raw)); ok {
		return n, nil
	}
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

func parseFloat64(raw []byte) (float64, error) {
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
