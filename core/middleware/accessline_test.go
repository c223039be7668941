package middleware

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// slogLine is the line slog's own handler writes for l: what
// AccessLogTo promises to reproduce.
func slogLine(t testing.TB, l *accessLine, json bool) string {
	t.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	if json {
		h = slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	}
	if err := h.Handle(context.Background(), l.record()); err != nil {
		t.Fatalf("slog Handle: %v", err)
	}
	return buf.String()
}

func TestAppendAccessLineMatchesSlog(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	odd := time.FixedZone("odd", -(9*3600 + 30*60 + 15))
	base := accessLine{
		time:      time.Date(2026, 11, 26, 4, 1, 2, 345678901, time.UTC),
		level:     slog.LevelInfo,
		method:    "GET",
		path:      "/polls/1/",
		status:    200,
		bytes:     27,
		duration:  12345 * time.Nanosecond,
		requestID: "0123456789abcdefghij",
		remote:    "127.0.0.1:54321",
		userAgent: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0",
	}
	tests := []struct {
		name string
		edit func(l *accessLine)
	}{
		{"typical", func(*accessLine) {}},
		{"panic at error level", func(l *accessLine) { l.panicked, l.level, l.status = true, slog.LevelError, 500 }},
		{"odd levels", func(l *accessLine) { l.level = slog.LevelInfo + 2 }},
		{"debug level", func(l *accessLine) { l.level = slog.LevelDebug - 1 }},
		{"empty strings", func(l *accessLine) { l.requestID, l.userAgent, l.remote, l.method = "", "", "", "" }},
		{"time on a whole second", func(l *accessLine) { l.time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }},
		{"time with zeros in the millis", func(l *accessLine) { l.time = time.Date(2026, 1, 2, 3, 4, 5, 1_000_000, time.UTC) }},
		{"time with zeros in the nanos", func(l *accessLine) { l.time = time.Date(2026, 1, 2, 3, 4, 5, 120_000_000, time.UTC) }},
		{"time zone east", func(l *accessLine) { l.time = time.Date(2026, 7, 1, 23, 59, 59, 999_999_999, paris) }},
		{"time zone with seconds", func(l *accessLine) { l.time = time.Date(1999, 12, 31, 0, 0, 0, 500, odd) }},
		{"local time with monotonic clock", func(l *accessLine) { l.time = time.Now() }},
		{"zero duration", func(l *accessLine) { l.duration = 0 }},
		{"one nanosecond", func(l *accessLine) { l.duration = 1 }},
		{"long duration", func(l *accessLine) { l.duration = 3*time.Hour + 7 }},
		{"huge duration", func(l *accessLine) { l.duration = math.MaxInt64 }},
		{"spaces and equals", func(l *accessLine) { l.path, l.userAgent = "/a b", "k=v" }},
		{"quotes and backslashes", func(l *accessLine) { l.path, l.userAgent = `/a"b`, `c:\dir\` }},
		{"control characters", func(l *accessLine) { l.path, l.userAgent = "/a\nb\r\t", "\x00\x1f\x7f" }},
		{"html", func(l *accessLine) { l.path = "/<script>&amp;</script>" }},
		{"unicode", func(l *accessLine) { l.path, l.userAgent = "/café/日本語", "emoji 🎉" }},
		{"unicode spaces and separators", func(l *accessLine) { l.path, l.userAgent = "/a\u00a0b", "x\u2028y\u2029z\u200bw" }},
		{"invalid utf-8", func(l *accessLine) { l.path, l.userAgent = "/\xff\xfe", "a\xc3" }},
		{"replacement character", func(l *accessLine) { l.path = "/\ufffd" }},
		{"negative bytes and big status", func(l *accessLine) { l.bytes, l.status = -1, 999 }},
	}
	for _, d := range []time.Duration{99, 100, 101, 999_999, 1_000_000, 1e12 - 1, 1e12, 1e15 - 1, 1e15, -1} {
		tests = append(tests, struct {
			name string
			edit func(l *accessLine)
		}{fmt.Sprintf("duration %d ns", d), func(l *accessLine) { l.duration = d }})
	}
	// One cache for every case, the way the middleware keeps one: a
	// cached second must never leak into a line of another second or zone.
	var stamps stampCache
	for _, tt := range tests {
		for _, json := range []bool{false, true} {
			l := base
			tt.edit(&l)
			want := slogLine(t, &l, json)
			for _, c := range []*stampCache{nil, &stamps, &stamps} {
				if got := string(appendAccessLine(nil, &l, json, c)); got != want {
					t.Errorf("%s (json %v, cache %v):\n got  %q\n want %q", tt.name, json, c != nil, got, want)
				}
			}
		}
	}
}

func FuzzAppendAccessLine(f *testing.F) {
	f.Add("/polls/", "Mozilla/5.0", "GET", int64(12345), int64(1_764_129_662_345_678_901))
	f.Add("/a b=\"c\"\\", "\x00\xff\u2028", "", int64(0), int64(0))
	f.Add("/日本", "é\u00a0", "PATCH", int64(1), int64(-1))
	zones := []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("PST", -8*3600)}
	var stamps stampCache // shared by the runs, as the middleware's is
	f.Fuzz(func(t *testing.T, path, ua, method string, d, unixNano int64) {
		l := accessLine{
			time:      time.Unix(0, unixNano).In(zones[uint64(unixNano)%3]),
			level:     slog.LevelWarn,
			method:    method,
			path:      path,
			status:    404,
			bytes:     d,
			duration:  time.Duration(d),
			requestID: method + path,
			remote:    ua,
			userAgent: ua,
		}
		if y := l.time.Year(); y < 0 || y > 9999 {
			t.Skip("outside RFC 3339 years; slog reports an error instead")
		}
		for _, json := range []bool{false, true} {
			want := slogLine(t, &l, json)
			for _, c := range []*stampCache{nil, &stamps} {
				if got := string(appendAccessLine(nil, &l, json, c)); got != want {
					t.Errorf("json %v, cache %v:\n got  %q\n want %q", json, c != nil, got, want)
				}
			}
		}
	})
}

// TestTextNeedsQuotingWords puts each kind of byte at every position of
// two eight-byte words, so that every lane of the word-at-a-time scan is
// checked against the byte-by-byte rule.
func TestTextNeedsQuotingWords(t *testing.T) {
	byteRule := func(s string) bool {
		for _, r := range s {
			if r < utf8.RuneSelf && (r <= ' ' || r == '"' || r == '=') ||
				r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) && r >= utf8.RuneSelf {
				return true
			}
		}
		return s == ""
	}
	for _, c := range []string{"\x00", "\x1f", " ", "!", "\"", "#", "<", "=", ">", "~", "\x7f", "\x80", "\xff", "é", "\u00a0", "\u2028"} {
		for n := range 17 {
			for pos := 0; pos < n; pos++ {
				b := []byte(strings.Repeat("a", n))
				s := string(b[:pos]) + c + string(b[pos+1:])
				if got, want := textNeedsQuoting(s), byteRule(s); got != want {
					t.Errorf("textNeedsQuoting(%q) = %v; want %v", s, got, want)
				}
			}
		}
	}
}
