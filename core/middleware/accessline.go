package middleware

import (
	"log/slog"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// accessLine is the content of one access log line (see AccessLog).
type accessLine struct {
	time      time.Time
	level     slog.Level
	method    string
	path      string
	status    int
	bytes     int64
	duration  time.Duration
	requestID string
	remote    string
	userAgent string
	panicked  bool
}

// appendAccessLine appends l to b as slog.TextHandler (json false) or
// slog.JSONHandler formats it, with default options, and a newline. The
// tests hold the two to byte-for-byte equality.
func appendAccessLine(b []byte, l *accessLine, json bool) []byte {
	if json {
		b = append(b, `{"time":"`...)
		b = l.time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":`...)
		b = appendJSONString(b, l.level.String())
		b = append(b, `,"msg":"`+accessMessage+`","method":`...)
		b = appendJSONString(b, l.method)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, l.path)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(l.status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, l.bytes, 10)
		b = append(b, `,"duration_ms":`...)
		b = appendJSONFloat(b, durationMS(l.duration))
		b = append(b, `,"request_id":`...)
		b = appendJSONString(b, l.requestID)
		b = append(b, `,"remote":`...)
		b = appendJSONString(b, l.remote)
		b = append(b, `,"user_agent":`...)
		b = appendJSONString(b, l.userAgent)
		if l.panicked {
			b = append(b, `,"panic":true`...)
		}
		return append(b, "}\n"...)
	}
	b = append(b, "time="...)
	b = appendMillis(b, l.time)
	b = append(b, " level="...)
	b = appendTextString(b, l.level.String())
	b = append(b, ` msg="`+accessMessage+`" method=`...)
	b = appendTextString(b, l.method)
	b = append(b, " path="...)
	b = appendTextString(b, l.path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, l.bytes, 10)
	b = append(b, " duration_ms="...)
	b = strconv.AppendFloat(b, durationMS(l.duration), 'g', -1, 64)
	b = append(b, " request_id="...)
	b = appendTextString(b, l.requestID)
	b = append(b, " remote="...)
	b = appendTextString(b, l.remote)
	b = append(b, " user_agent="...)
	b = appendTextString(b, l.userAgent)
	if l.panicked {
		b = append(b, " panic=true"...)
	}
	return append(b, '\n')
}

// appendMillis appends t in RFC 3339 with exactly three digits of
// fraction, the text handler's time format. RFC3339Nano has a fast path
// in package time but trims trailing zeros; a tenth of a millisecond
// added to the truncated time keeps four digits, and the fourth is
// dropped.
func appendMillis(b []byte, t time.Time) []byte {
	const secondsLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	b = t.Truncate(time.Millisecond).Add(time.Millisecond/10).AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+secondsLen], b[n+secondsLen+1:]...)
}

// appendTextString appends s as the text handler writes a string value:
// as is, unless it is empty or holds a space, '=', '"', a control
// character, invalid UTF-8 or a non-printing rune, in which case Go-quoted.
func appendTextString(b []byte, s string) []byte {
	if textNeedsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func textNeedsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '"' || c == '=' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendJSONString appends s quoted as the JSON handler writes strings:
// '"', '\\' and control characters escaped (\n, \r, \t or \u00XX),
// invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped, and HTML
// characters left alone.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64 (which the
// JSON handler uses): plain decimal between 1e-6 and 1e21, else an
// exponent without a leading zero. f must be finite.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
