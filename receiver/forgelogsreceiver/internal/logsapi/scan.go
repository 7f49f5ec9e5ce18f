package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// errSyntax is any departure from the JSON grammar (RFC 8259), which encoding/json refuses too.
var errSyntax = errors.New("invalid JSON")

// span is a value's bytes inside the body, from its first to past its last byte; the zero span
// means the member was absent. plain marks a string without escapes or bytes outside ASCII.
type span struct {
	start, end int
	plain      bool
}

func (s span) present() bool { return s.end > s.start }

// scanner walks a JSON document in place. It validates as it skips, so that what it accepts is
// exactly what encoding/json accepts, and it never allocates.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	// Pages rarely hold whitespace between tokens: look before looping.
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos]
	}
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// consume skips c, the next non-space byte, or reports that it is not there.
func (s *scanner) consume(c byte) bool {
	if s.peek() != c {
		return false
	}
	s.pos++
	return true
}

// value skips one value of any type and returns its span.
func (s *scanner) value() (span, error) {
	c := s.peek()
	start := s.pos
	var err error
	plain := false
	switch {
	case c == '{':
		err = s.skipObject()
	case c == '[':
		err = s.skipArray()
	case c == '"':
		plain, err = s.str()
	case c == 't':
		err = s.literal("true")
	case c == 'f':
		err = s.literal("false")
	case c == 'n':
		err = s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		err = s.number()
	default:
		err = errSyntax
	}
	return span{start: start, end: s.pos, plain: plain}, err
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return errSyntax
	}
	s.pos += len(lit)
	return nil
}

// number skips a number, following the grammar exactly: no leading zeros, no bare dot, no plus.
func (s *scanner) number() error {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return errSyntax
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return errSyntax
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return errSyntax
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	s.pos = i
	return nil
}

// special marks the bytes a string scan must stop at: the closing quote, an escape, a control
// character (invalid in JSON) and the start of a multi-byte character.
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= 0x80
	}
	return t
}()

// str skips a string and reports whether it is plain: free of escapes and of bytes outside ASCII,
// so that its bytes are its value.
func (s *scanner) str() (plain bool, err error) {
	d, i := s.data, s.pos+1
	plain = true
	for {
		// Eight bytes at a time up to the first special one, then byte by byte for the tail.
		for i+8 <= len(d) {
			if m := specialBytes(binary.LittleEndian.Uint64(d[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(d) && !special[d[i]] {
			i++
		}
		if i >= len(d) {
			return false, errSyntax
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return plain, nil
		case c == '\\':
			plain = false
			i++
			if i >= len(d) {
				return false, errSyntax
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(d)-i < 5 || !isHex(d[i+1]) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) {
					return false, errSyntax
				}
				i += 5
			default:
				return false, errSyntax
			}
		case c < 0x20:
			return false, errSyntax
		default: // c >= 0x80: encoding/json accepts any byte here and replaces invalid UTF-8 later
			plain = false
			i++
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialBytes marks with its high bit each special byte among the eight in w: a quote, a
// backslash, below 0x20 or at least 0x80 (the SWAR tests of "Bit Twiddling Hacks"). Marks above
// the lowest one may be false, the lowest one is exact, and none is missed.
func specialBytes(w uint64) uint64 {
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	return ((quote-ones)&^quote | (backslash-ones)&^backslash | (w-ones*0x20)&^w | w) & highs
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// enterObject consumes '{' and reports whether a member follows.
func (s *scanner) enterObject() (bool, error) {
	if !s.consume('{') {
		return false, errSyntax
	}
	return !s.consume('}'), nil
}

// nextMember follows a member's value: it consumes ',' and reports true, or '}' and reports false.
func (s *scanner) nextMember() (bool, error) {
	return s.next('}')
}

// enterArray consumes '[' and reports whether an element follows.
func (s *scanner) enterArray() (bool, error) {
	if !s.consume('[') {
		return false, errSyntax
	}
	return !s.consume(']'), nil
}

// nextElement follows an element: it consumes ',' and reports true, or ']' and reports false.
func (s *scanner) nextElement() (bool, error) {
	return s.next(']')
}

func (s *scanner) next(closing byte) (bool, error) {
	switch s.peek() {
	case ',':
		s.pos++
		return true, nil
	case closing:
		s.pos++
		return false, nil
	}
	return false, errSyntax
}

// key reads a member's name and the colon after it; the span includes the quotes.
func (s *scanner) key() (span, error) {
	if s.peek() != '"' {
		return span{}, errSyntax
	}
	start := s.pos
	plain, err := s.str()
	if err != nil {
		return span{}, err
	}
	name := span{start: start, end: s.pos, plain: plain}
	if !s.consume(':') {
		return span{}, errSyntax
	}
	return name, nil
}

func (s *scanner) skipObject() error {
	more, err := s.enterObject()
	for ; more && err == nil; more, err = s.nextMember() {
		if _, err := s.key(); err != nil {
			return err
		}
		if _, err := s.value(); err != nil {
			return err
		}
	}
	return err
}

func (s *scanner) skipArray() error {
	more, err := s.enterArray()
	for ; more && err == nil; more, err = s.nextElement() {
		if _, err := s.value(); err != nil {
			return err
		}
	}
	return err
}

// skipLiteral skips lit if the data continues with exactly those bytes, spaces included.
func (s *scanner) skipLiteral(lit string) bool {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return false
	}
	s.pos += len(lit)
	return true
}

// stringValue skips the string that starts at the current byte and returns its span.
func (s *scanner) stringValue() (span, error) {
	start := s.pos
	plain, err := s.str()
	return span{start: start, end: s.pos, plain: plain}, err
}
