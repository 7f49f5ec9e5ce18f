package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// unescape returns the value of a scanned JSON string (inner: the bytes between its quotes), with
// encoding/json's rules: escapes resolved, a lone or broken surrogate and every invalid UTF-8 byte
// replaced by U+FFFD.
func unescape(inner []byte) string {
	out := make([]byte, 0, len(inner))
	for i := 0; i < len(inner); {
		c := inner[i]
		switch {
		case c == '\\':
			i++
			switch e := inner[i]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(inner[i+1:])
				i += 4
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if len(inner) >= i+7 && inner[i+1] == '\\' && inner[i+2] == 'u' {
						r2 = hex4(inner[i+3:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						r = dec
						i += 6
					} else {
						r = unicode.ReplacementChar
					}
				}
				out = utf8.AppendRune(out, r)
			default: // '"', '\\' and '/' stand for themselves
				out = append(out, e)
			}
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(inner[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, unicode.ReplacementChar)
			} else {
				out = append(out, inner[i:i+size]...)
			}
			i += size
		}
	}
	return string(out)
}

// hex4 reads four hex digits, which the scanner has checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
