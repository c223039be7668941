package middleware

import (
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
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
// tests hold the two to byte-for-byte equality. stamps, when not nil,
// keeps the formatted second of the line's time for the next lines.
func appendAccessLine(b []byte, l *accessLine, json bool, stamps *stampCache) []byte {
	if json {
		b = append(b, `{"time":"`...)
		b = stamps.appendTime(b, l.time, true)
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
		if d := l.duration; d >= 0 && d < 1e15 {
			b = appendMillisDecimal(b, d) // what 'f' gives, faster
		} else {
			b = appendJSONFloat(b, durationMS(d))
		}
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
	b = stamps.appendTime(b, l.time, false)
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
	if d := l.duration; d >= 100 && d < 1e12 {
		b = appendMillisDecimal(b, d) // what 'g' gives in this range, faster
	} else {
		b = strconv.AppendFloat(b, durationMS(d), 'g', -1, 64)
	}
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

// appendMillisDecimal appends d in milliseconds as the exact decimal
// d/1e6, without trailing zeros: what strconv's shortest formatting of
// float64(d)/1e6 writes without an exponent. For 0 <= d < 1e15 the two
// agree: the quotient has at most 15 significant digits, and distinct
// decimals of up to 15 digits are distinct float64s, so the shortest
// decimal that reads back as the float is the quotient itself. ('g' uses
// an exponent below 1e-4 ms and from 1e6 ms; the callers keep to the
// range where it does not.)
func appendMillisDecimal(b []byte, d time.Duration) []byte {
	b = strconv.AppendInt(b, int64(d/time.Millisecond), 10)
	return appendFraction(b, int(d%time.Millisecond), 6) // nanoseconds: six decimals
}

// appendFraction appends "." and the width decimals of frac (0 <= frac <
// 10^width, at most 9 decimals) without trailing zeros; nothing when frac
// is 0.
func appendFraction(b []byte, frac, width int) []byte {
	if frac == 0 {
		return b
	}
	var digits [10]byte
	digits[0] = '.'
	for i := width; i >= 1; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := width + 1
	for digits[n-1] == '0' {
		n--
	}
	return append(b, digits[:n]...)
}

// stampCache keeps the formatted date, time to the second and zone of the
// last second an access line was written in, so that lines in the same
// second copy them instead of formatting the time. A nil *stampCache
// formats every time. It is safe for concurrent use.
type stampCache struct {
	last atomic.Pointer[stamp]
}

// stamp is one second, formatted as in RFC 3339: head up to the seconds,
// zone after them.
type stamp struct {
	unix       int64
	loc        *time.Location
	head, zone string
}

// appendTime appends t as the text handler (millis, three digits of
// fraction) or the JSON handler (time.RFC3339Nano) writes it.
func (c *stampCache) appendTime(b []byte, t time.Time, nano bool) []byte {
	if c == nil {
		if nano {
			return t.AppendFormat(b, time.RFC3339Nano)
		}
		return appendMillis(b, t)
	}
	s := c.last.Load()
	if s == nil || s.unix != t.Unix() || s.loc != t.Location() {
		s = newStamp(t)
		c.last.Store(s)
	}
	b = append(b, s.head...)
	ns := t.Nanosecond()
	if nano {
		b = appendFraction(b, ns, 9)
	} else {
		ms := ns / 1e6
		b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	}
	return append(b, s.zone...)
}

// newStamp formats the second of t with time.RFC3339Nano itself, so that
// the cached parts are what the slow path writes: the whole second has
// no fraction, and the zone follows the "T15:04:05" of the time.
func newStamp(t time.Time) *stamp {
	sec := t.Truncate(time.Second)
	f := sec.Format(time.RFC3339Nano)
	i := strings.IndexByte(f, 'T') + len("T15:04:05")
	return &stamp{unix: t.Unix(), loc: t.Location(), head: f[:i], zone: f[i:]}
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
	// Skip eight plain bytes at a time: ASCII from '!' up, no '"' or '='.
	// A word with anything else goes to the byte loop, which decides.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		below := (x - ones*'!') &^ x // high bit set in bytes below '!' (and maybe others)
		quote := x ^ (ones * '"')    // zero bytes where x has '"'
		equals := x ^ (ones * '=')   // zero bytes where x has '='
		zero := ((quote - ones) &^ quote) | ((equals - ones) &^ equals)
		if (x|below|zero)&highs != 0 {
			break
		}
	}
	for i < len(s) {
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
