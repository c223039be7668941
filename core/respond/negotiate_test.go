package respond

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func TestWantsJSON(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   bool
	}{
		{"no headers", http.Header{}, false},
		{"browser", http.Header{"Accept": {browserAccept}}, false},
		{"curl */*", http.Header{"Accept": {"*/*"}}, false},
		{"lone *", http.Header{"Accept": {"*"}}, false},
		{"application/json", http.Header{"Accept": {"application/json"}}, true},
		{"json with charset param", http.Header{"Accept": {"application/json; charset=utf-8"}}, true},
		{"upper case", http.Header{"Accept": {"APPLICATION/JSON"}}, true},
		{"application/*", http.Header{"Accept": {"application/*"}}, true},
		{"text/*", http.Header{"Accept": {"text/*"}}, false},
		{"problem+json", http.Header{"Accept": {"application/problem+json"}}, true},
		{"vnd.api+json", http.Header{"Accept": {"application/vnd.api+json, text/html;q=0.5"}}, true},
		{"json preferred by q", http.Header{"Accept": {"text/html;q=0.5, application/json"}}, true},
		{"html preferred by q", http.Header{"Accept": {"text/html, application/json;q=0.9"}}, false},
		{"json with wildcard fallback", http.Header{"Accept": {"application/json, */*;q=0.1"}}, true},
		{"html excluded by q=0", http.Header{"Accept": {"text/html;q=0, */*"}}, true},
		{"json excluded by q=0", http.Header{"Accept": {"application/json;q=0, */*"}}, false},
		{"specific beats wildcard", http.Header{"Accept": {"*/*;q=1, text/html;q=0.1"}}, true},
		{"q with three decimals", http.Header{"Accept": {"text/html;q=0.501, application/json;q=0.502"}}, true},
		{"invalid q ignored", http.Header{"Accept": {"application/json;q=2, text/html"}}, false},
		{"invalid q alone is a tie", http.Header{"Accept": {"application/json;q=abc"}}, false},
		{"spaces and tabs", http.Header{"Accept": {" \ttext/html ; q = 0.2 ,\tapplication/json ; q=0.3"}}, true},
		{"quoted comma in param", http.Header{"Accept": {`text/html;foo="a,application/json";q=0.1, application/json;q=0.2`}}, true},
		{"two header lines", http.Header{"Accept": {"text/html;q=0.1", "application/json"}}, true},
		{"neither acceptable", http.Header{"Accept": {"image/png"}}, false},
		{"neither acceptable, JSON body", http.Header{"Accept": {"image/png"}, "Content-Type": {"application/json"}}, true},
		{"XHR", http.Header{"X-Requested-With": {"XMLHttpRequest"}}, true},
		{"XHR with */*", http.Header{"Accept": {"*/*"}, "X-Requested-With": {"xmlhttprequest"}}, true},
		{"XHR preferring HTML", http.Header{"Accept": {"text/html, */*;q=0.01"}, "X-Requested-With": {"XMLHttpRequest"}}, false},
		{"JSON body no Accept", http.Header{"Content-Type": {"application/json"}}, true},
		{"JSON body with charset", http.Header{"Content-Type": {"application/json; charset=utf-8"}}, true},
		{"merge-patch+json body", http.Header{"Content-Type": {"application/merge-patch+json"}}, true},
		{"JSON body, Accept */*", http.Header{"Content-Type": {"application/json"}, "Accept": {"*/*"}}, true},
		{"JSON body, Accept html", http.Header{"Content-Type": {"application/json"}, "Accept": {"text/html"}}, false},
		{"form body", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, false},
		{"jsonp is not json", http.Header{"Accept": {"application/jsonp"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header = tt.header
			if got := WantsJSON(r); got != tt.want {
				t.Errorf("WantsJSON(%v) = %t; want %t", tt.header, got, tt.want)
			}
		})
	}
}

func TestParseQ(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"0", 0}, {"1", 1000}, {"0.5", 500}, {"0.05", 50}, {"0.005", 5}, {"0.123", 123},
		{"1.", 1000}, {"0.", 0}, {"1.000", 1000},
		{"1.001", -1}, {"0.1234", -1}, {"2", -1}, {".5", -1}, {"", -1}, {"0,5", -1}, {"1e0", -1}, {"-0", -1}, {"0.5 ", -1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseQ(tt.in); got != tt.want {
				t.Errorf("parseQ(%q) = %d; want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestWantsJSONAllocs(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", browserAccept)
	r.Header.Set("X-Requested-With", "XMLHttpRequest")
	if n := testing.AllocsPerRun(100, func() { WantsJSON(r) }); n != 0 {
		t.Errorf("WantsJSON allocates %v times per call; want 0", n)
	}
}

// FuzzAccept checks acceptQualities against refQuality, a slower version
// written differently, on both media types the renderer asks about.
func FuzzAccept(f *testing.F) {
	for _, s := range []string{
		browserAccept, "*/*", "*", "application/json", "application/*;q=0.5", "text/html;q=0",
		`text/html;x="a,b;q=0";q=0.3`, "application/vnd.api+json;q=0.9,text/*;q=1.", "a/b;q=0.123,,;",
		"TEXT/HTML;Q=0.2", ";q=1", "text/html;q", `"`, `\",text/html`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		qJSON, qHTML := acceptQualities([]string{accept})
		for _, c := range []struct {
			typ, sub string
			got      int
		}{{"application", "json", qJSON}, {"text", "html", qHTML}} {
			if c.got < 0 || c.got > qMax {
				t.Fatalf("acceptQualities(%q) for %s/%s = %d; want 0..1000", accept, c.typ, c.sub, c.got)
			}
			if want := refQuality(accept, c.typ, c.sub); c.got != want {
				t.Fatalf("acceptQualities(%q) for %s/%s = %d; want %d", accept, c.typ, c.sub, c.got, want)
			}
		}
		// Splitting the list over two header lines changes nothing.
		if first, rest := cutUnquoted(accept, ','); rest != "" {
			j2, h2 := acceptQualities([]string{first, rest})
			if j2 != qJSON || h2 != qHTML {
				t.Fatalf("acceptQualities(%q) over two lines = %d, %d; want %d, %d", accept, j2, h2, qJSON, qHTML)
			}
		}
	})
}

var qRE = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// refQuality is the reference Accept matcher for FuzzAccept: split into
// strings, lower-case, regexp for the q-value.
func refQuality(accept, typ, sub string) int {
	bestSpec, bestQ := 0, 0
	for _, elem := range splitOutsideQuotes(accept, ',') {
		params := splitOutsideQuotes(elem, ';')
		mr := asciiLower(strings.Trim(params[0], " \t"))
		if mr == "*" {
			mr = "*/*"
		}
		parts := strings.SplitN(mr, "/", 2)
		if len(parts) != 2 {
			continue
		}
		spec := 0
		switch {
		case parts[0] == "*" && parts[1] == "*":
			spec = 1
		case parts[0] != typ:
		case parts[1] == "*":
			spec = 2
		case parts[1] == sub:
			spec = 3
		case typ == "application" && sub == "json" && strings.HasSuffix(parts[1], "+json") && len(parts[1]) > len("+json"):
			spec = 3
		}
		if spec == 0 {
			continue
		}
		q := 1000
		for _, p := range params[1:] {
			name, value, ok := strings.Cut(p, "=")
			if !ok || asciiLower(strings.Trim(name, " \t")) != "q" {
				continue
			}
			value = strings.Trim(value, " \t")
			if !qRE.MatchString(value) {
				q = -1
				break
			}
			fl, _ := strconv.ParseFloat(strings.TrimSuffix(value, "."), 64)
			q = int(fl*1000 + 0.5)
			break
		}
		if q < 0 {
			continue
		}
		if spec > bestSpec || spec == bestSpec && q > bestQ {
			bestSpec, bestQ = spec, q
		}
	}
	return bestQ
}

// splitOutsideQuotes splits s at every sep that is not inside a quoted
// string; a backslash inside quotes escapes the next byte.
func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	var cur strings.Builder
	inQuote, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == sep && !inQuote:
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, cur.String())
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
