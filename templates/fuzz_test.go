package templates

import (
	"html"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFilters calls the Django filters with arbitrary text and numbers.
// None may panic, and:
//   - the filters that return template.HTML (linebreaks, linebreaksbr,
//     urlize, join, json_script) emit no '<' or '>' but their own markup,
//     and the text they keep reads back as the input;
//   - urlize links only http, https and mailto addresses;
//   - truncatechars and truncatewords keep to their limit;
//   - slugify gives only [a-z0-9_-] and is idempotent;
//   - floatformat and filesizeformat give numbers, date gives text for
//     any format.
func FuzzFilters(f *testing.F) {
	for _, s := range []string{
		"", "hello", "Hello, World", "one\ntwo\r\n\r\nthree <b>", "<script>alert(1)</script>",
		"see https://example.com/a?b=1&c=<d> now", "(www.example.com).", "mail me@example.org!",
		"javascript:alert(1)", `"><img src=x onerror=alert(1)>`, "http://", "https://x\"y",
		"Héllo, Wörld!  Ça va? -- _x_ ", "Καλημέρα κόσμε", "\xff\xfe", "a\x00b", "&amp;&lt;",
		"34.25", "-0.04", "1e308", "NaN", "-Inf", "9223372036854775807", "-9223372036854775808",
		"Y-m-d H:i:s", `\Y \\ N j, Y`, "DATE_FORMAT", "y,ies", "yeah,no,maybe", "a,b,c,d",
	} {
		f.Add(s, s, int64(len(s)), float64(len(s))/3)
	}
	f.Add("x", "y", int64(math.MinInt64), math.Inf(1))
	f.Add("x", "y", int64(math.MaxInt64), math.NaN())
	f.Add("1.5", "-2", int64(-1), -1e-320)

	urlizeMarkup := regexp.MustCompile(`<a href="([^"<>]*)" rel="nofollow">|</a>`)

	f.Fuzz(func(t *testing.T, s, arg string, n int64, x float64) {
		// HTML-producing filters: their markup out, nothing else can open
		// a tag, and the text is the input.
		noTags := func(name, out string) {
			t.Helper()
			if strings.ContainsAny(out, "<>") {
				t.Fatalf("%s(%q): %q has an unescaped < or > besides its markup", name, s, out)
			}
		}
		// HTML escaping turns NUL and invalid UTF-8 into U+FFFD, so the
		// text reads back exactly only without them.
		plain := utf8.ValidString(s+arg) && !strings.ContainsRune(s+arg, 0)
		want := normalizeNewlines(s)
		lb := string(linebreaks(s))
		stripped := strings.NewReplacer("<p>", "", "</p>", "", "<br>", "", "\n", "").Replace(lb)
		noTags("linebreaks", stripped)
		if got := html.UnescapeString(stripped); plain && got != strings.ReplaceAll(want, "\n", "") {
			t.Fatalf("linebreaks(%q) = %q, text %q", s, lb, got)
		}
		lbr := strings.ReplaceAll(string(linebreaksbr(s)), "<br>", "\n")
		noTags("linebreaksbr", lbr)
		if got := html.UnescapeString(lbr); plain && got != want {
			t.Fatalf("linebreaksbr(%q) = %q; text %q, want %q", s, linebreaksbr(s), got, want)
		}
		u := string(urlize(s))
		for _, m := range urlizeMarkup.FindAllStringSubmatch(u, -1) {
			if m[1] == "" {
				continue
			}
			href := strings.ToLower(html.UnescapeString(m[1]))
			if !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "mailto:") {
				t.Fatalf("urlize(%q) links %q", s, m[1])
			}
		}
		text := urlizeMarkup.ReplaceAllString(u, "")
		noTags("urlize", text)
		if got := html.UnescapeString(text); plain && got != s {
			t.Fatalf("urlize(%q) = %q; text %q", s, u, got)
		}
		j := string(join(arg, []string{s, arg, s}))
		noTags("join", j)
		if got, want := html.UnescapeString(j), s+arg+arg+arg+s; plain && got != want {
			t.Fatalf("join(%q, [%q %q %q]) = %q; text %q", arg, s, arg, s, j, got)
		}
		js, err := jsonScript(arg, map[string]any{"s": s, "n": n})
		if err != nil {
			t.Fatalf("json_script(%q): %v", s, err)
		}
		open := `<script id="` + template.HTMLEscapeString(arg) + `" type="application/json">`
		if arg == "" {
			open = `<script type="application/json">`
		}
		body, ok := strings.CutPrefix(string(js), open)
		body, ok2 := strings.CutSuffix(body, "</script>")
		if !ok || !ok2 {
			t.Fatalf("json_script(%q, %q) = %q; want it in one script element", arg, s, js)
		}
		noTags("json_script", body)

		// Text filters.
		for _, v := range []any{s, template.HTML(s), n, x, nil} {
			tc := truncatechars(n, v)
			if n > 0 && n < math.MaxInt32 && utf8.RuneCountInString(tc) > int(n) {
				t.Fatalf("truncatechars(%d, %#v) = %q: more than %d characters", n, v, tc, n)
			}
			tw := truncatewords(n, v)
			if n >= 0 && n < math.MaxInt32 && len(strings.Fields(strings.TrimSuffix(tw, " …"))) > int(n) {
				t.Fatalf("truncatewords(%d, %#v) = %q: more than %d words", n, v, tw, n)
			}
			sl := slugify(v)
			if strings.Trim(sl, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" || slugify(sl) != sl {
				t.Fatalf("slugify(%#v) = %q (again %q)", v, sl, slugify(sl))
			}
			_ = title(v)
			_ = length(v)
			_ = filesizeformat(v)
			_ = add(arg, v)
			_ = defaultValue(arg, v)
			for _, a := range []any{arg, n, x} {
				if _, err := pluralize(a, v); err != nil {
					t.Fatal(err)
				}
				if _, err := yesno(a, v); err != nil {
					t.Fatal(err)
				}
				if _, err := floatformat(a, v); err != nil {
					t.Fatal(err)
				}
			}
		}

		// Numbers.
		for _, v := range []any{x, n, s} {
			fs := filesizeformat(v)
			num, unit, ok := strings.Cut(fs, "\u00a0")
			if _, err := strconv.ParseFloat(num, 64); err != nil || !ok || unit == "" {
				t.Fatalf("filesizeformat(%#v) = %q", v, fs)
			}
			for _, places := range []any{nil, n, arg} {
				args := []any{v}
				if places != nil {
					args = []any{places, v}
				}
				out, err := floatformat(args...)
				if err != nil {
					t.Fatal(err)
				}
				if _, isNum := toFloat(v); !isNum || out == "" {
					continue
				}
				if p, ok := toInt(places); places != nil && (!ok || p > maxFloatPlaces || p < -maxFloatPlaces) {
					continue // such an argument gives the value back
				}
				if _, err := strconv.ParseFloat(out, 64); err != nil {
					t.Fatalf("floatformat(%#v) = %q, not a number", args, out)
				}
			}
		}

		// Dates, with the text as the format.
		when := time.Unix(n%(1<<40), 0).In(time.FixedZone("X", int(n%50000)))
		if _, err := date(s, when); err != nil {
			t.Fatal(err)
		}
		if _, err := timesince(when, time.Unix(int64(x)%(1<<40), 0)); err != nil {
			t.Fatal(err)
		}
		if _, err := timeuntil(when, time.Unix(int64(x)%(1<<40), 0)); err != nil {
			t.Fatal(err)
		}
	})
}
