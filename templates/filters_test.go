package templates

import (
	"errors"
	"html/template"
	"strings"
	"testing"
	"time"
)

// renderString executes one template text with data as .Data.
func renderString(t *testing.T, text string, data any) (string, error) {
	t.Helper()
	e, err := NewEngine(Config{Sources: []Source{files("test", map[string]string{"t.html": text})}})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = e.Execute(&b, "t.html", data)
	return b.String(), err
}

type stringer struct{}

func (stringer) String() string { return "I am <a stringer>" }

func TestFilters(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	when := time.Date(2026, time.September, 3, 14, 5, 9, 123456000, loc)
	midnight := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	noon := time.Date(2026, time.February, 22, 12, 0, 0, 0, time.UTC)
	morning := time.Date(2026, time.March, 11, 9, 30, 0, 0, time.UTC)
	var nilTime *time.Time
	nbsp := "\u00a0"
	data := map[string]any{
		"When": when, "Midnight": midnight, "Noon": noon, "Morning": morning, "NilTime": nilTime,
		"Zero": time.Time{}, "Empty": "", "Text": "Hello, World", "Nil": nil,
		"One": 1, "Two": 2, "Int64": int64(5), "OneList": []string{"a"}, "List": []string{"a", "<b>", "c"},
		"HTMLList": []template.HTML{"<i>x</i>", "<b>y</b>"}, "Map": map[string]int{"a": 1, "b": 2},
		"True": true, "False": false, "Stringer": stringer{}, "Float": 34.23234, "Whole": 34.0,
		"Half": 34.25, "Neg": -0.04, "Str": "hello", "Sentence": "Joel is a   slug",
		"Lines":   "one\ntwo\r\n\r\nthree <b>",
		"Unicode": "Καλημέρα κόσμε", "Accents": "  Héllo, Wörld!  Ça va? -- _x_ ",
	}
	tests := []struct {
		name, text, want string
	}{
		// date
		{"date Y-m-d H:i", `{{.Data.When | date "Y-m-d H:i"}}`, "2026-09-03 14:05"},
		{"date N j, Y", `{{.Data.When | date "N j, Y"}}`, "Sept. 3, 2026"},
		{"date D d M Y", `{{.Data.When | date "D d M Y"}}`, "Thu 03 Sep 2026"},
		{"date without format is DATE_FORMAT", `{{.Data.When | date}}`, "Sept. 3, 2026"},
		{"date named format", `{{.Data.When | date "SHORT_DATE_FORMAT"}}`, "09/03/2026"},
		{"date 12-hour and am/pm", `{{.Data.When | date "g:i A, h a, G"}}`, "2:05 PM, 02 p.m., 14"},
		{"date P midnight", `{{.Data.Midnight | date "P"}}`, "midnight"},
		{"date P noon", `{{.Data.Noon | date "P"}}`, "noon"},
		{"date P and f", `{{.Data.Morning | date "P, f"}}`, "9:30 a.m., 9:30"},
		{"date full names and ordinals", `{{.Data.When | date "l jS F"}}`, "Thursday 3rd September"},
		{"date ordinal th", `{{.Data.Noon | date "jS"}}`, "22nd"},
		{"date numbers", `{{.Data.When | date "n/m y z t w W L"}}`, "9/09 26 246 30 4 36 False"},
		{"date zone and seconds", `{{.Data.When | date "s u O T Z"}}`, "09 123456 &#43;0100 CET 3600"}, // html/template writes + as &#43;
		{"date ISO and RFC", `{{.Data.When | date "c | r"}}`, "2026-09-03T14:05:09.123456&#43;01:00 | Thu, 03 Sep 2026 14:05:09 &#43;0100"},
		{"date escapes", `{{.Data.When | date "\\Y\\e\\a\\r: Y"}}`, "Year: 2026"},
		{"date lower month b and U", `{{.Data.Midnight | date "b U"}}`, "jan 1767225600"},
		{"date of nil pointer", `[{{.Data.NilTime | date "Y"}}]`, "[]"},
		{"date of zero time", `[{{.Data.Zero | date "Y"}}]`, "[]"},
		{"date of a string", `[{{.Data.Str | date "Y"}}]`, "[]"},
		// timesince / timeuntil
		{"timesince two units", `{{.Data.Morning | timesince .Data.When}}`, "5" + nbsp + "months, 3" + nbsp + "weeks"},
		{"timesince days and hours", `{{.Data.Midnight | timesince .Data.Noon}}`, "1" + nbsp + "month, 3" + nbsp + "weeks"},
		{"timesince same time", `{{.Data.Noon | timesince .Data.Noon}}`, "0" + nbsp + "minutes"},
		{"timesince future", `{{.Data.When | timesince .Data.Noon}}`, "0" + nbsp + "minutes"},
		{"timeuntil", `{{.Data.When | timeuntil .Data.Morning}}`, "5" + nbsp + "months, 3" + nbsp + "weeks"},
		{"timesince of nil", `[{{.Data.NilTime | timesince}}]`, "[]"},
		// default
		{"default of empty string", `{{.Data.Empty | default "nothing"}}`, "nothing"},
		{"default of nil", `{{.Data.Nil | default "nothing"}}`, "nothing"},
		{"default of zero", `{{0 | default "none"}}`, "none"},
		{"default keeps a value", `{{.Data.Str | default "nothing"}}`, "hello"},
		{"default escapes the default", `{{.Data.Empty | default "<i>"}}`, "&lt;i&gt;"},
		// pluralize
		{"pluralize 1", `vote{{.Data.One | pluralize}}`, "vote"},
		{"pluralize 2", `vote{{.Data.Two | pluralize}}`, "votes"},
		{"pluralize 0", `vote{{0 | pluralize}}`, "votes"},
		{"pluralize int64", `vote{{.Data.Int64 | pluralize}}`, "votes"},
		{"pluralize es", `class{{.Data.Two | pluralize "es"}}`, "classes"},
		{"pluralize y,ies one", `cherr{{.Data.One | pluralize "y,ies"}}`, "cherry"},
		{"pluralize y,ies many", `cherr{{.Data.Two | pluralize "y,ies"}}`, "cherries"},
		{"pluralize a slice of one", `item{{.Data.OneList | pluralize}}`, "item"},
		{"pluralize a slice", `item{{.Data.List | pluralize}}`, "items"},
		{"pluralize too many commas", `x{{.Data.Two | pluralize "a,b,c"}}`, "x"},
		{"pluralize not a number", `x{{.Data.Str | pluralize}}`, "x"},
		// truncatechars
		{"truncatechars cuts with an ellipsis", `{{.Data.Text | truncatechars 7}}`, "Hello,…"},
		{"truncatechars short enough", `{{.Data.Text | truncatechars 12}}`, "Hello, World"},
		{"truncatechars counts characters, not bytes", `{{.Data.Unicode | truncatechars 5}}`, "Καλη…"},
		{"truncatechars 1", `{{.Data.Text | truncatechars 1}}`, "…"},
		{"truncatechars 0", `[{{.Data.Text | truncatechars 0}}]`, "[]"},
		{"truncatechars int64 length", `{{.Data.Text | truncatechars .Data.Int64}}`, "Hell…"},
		// truncatewords
		{"truncatewords", `{{.Data.Sentence | truncatewords 2}}`, "Joel is …"},
		{"truncatewords short enough", `{{.Data.Sentence | truncatewords 9}}`, "Joel is a slug"},
		{"truncatewords 0", `[{{.Data.Sentence | truncatewords 0}}]`, "[]"},
		// linebreaks
		{"linebreaks", `{{.Data.Lines | linebreaks}}`, "<p>one<br>two</p>\n\n<p>three &lt;b&gt;</p>"},
		{"linebreaks empty", `{{.Data.Empty | linebreaks}}`, "<p></p>"},
		{"linebreaksbr", `{{.Data.Lines | linebreaksbr}}`, "one<br>two<br><br>three &lt;b&gt;"},
		// yesno
		{"yesno true", `{{.Data.True | yesno}}`, "yes"},
		{"yesno false", `{{.Data.False | yesno}}`, "no"},
		{"yesno nil", `{{.Data.Nil | yesno}}`, "maybe"},
		{"yesno nil pointer", `{{.Data.NilTime | yesno "yeah,no,perhaps"}}`, "perhaps"},
		{"yesno custom", `{{.Data.True | yesno "yeah,nope"}}`, "yeah"},
		{"yesno nil with two words", `{{.Data.Nil | yesno "yeah,nope"}}`, "nope"},
		{"yesno invalid argument", `{{.Data.True | yesno "yeah"}}`, "true"},
		// filesizeformat
		{"filesizeformat bytes", `{{0 | filesizeformat}}|{{1 | filesizeformat}}|{{1023 | filesizeformat}}`, "0" + nbsp + "bytes|1" + nbsp + "byte|1023" + nbsp + "bytes"},
		{"filesizeformat KB", `{{1024 | filesizeformat}}`, "1.0" + nbsp + "KB"},
		{"filesizeformat MB", `{{123456789 | filesizeformat}}`, "117.7" + nbsp + "MB"},
		{"filesizeformat GB and PB", `{{1073741824 | filesizeformat}}|{{1152921504606846976 | filesizeformat}}`, "1.0" + nbsp + "GB|1024.0" + nbsp + "PB"},
		{"filesizeformat negative", `{{-2048 | filesizeformat}}`, "-2.0" + nbsp + "KB"},
		{"filesizeformat not a number", `{{.Data.Str | filesizeformat}}`, "0" + nbsp + "bytes"},
		// floatformat
		{"floatformat default", `{{.Data.Float | floatformat}}|{{.Data.Whole | floatformat}}|{{34.26 | floatformat}}`, "34.2|34|34.3"},
		{"floatformat 3", `{{.Data.Float | floatformat 3}}|{{.Data.Whole | floatformat 3}}`, "34.232|34.000"},
		{"floatformat -3", `{{.Data.Float | floatformat -3}}|{{.Data.Whole | floatformat -3}}`, "34.232|34"},
		{"floatformat 0", `{{.Data.Float | floatformat 0}}|{{39.56 | floatformat 0}}`, "34|40"},
		{"floatformat rounds half up", `{{.Data.Half | floatformat 1}}|{{0.125 | floatformat 2}}|{{9.995 | floatformat 2}}`, "34.3|0.13|10.00"},
		{"floatformat negative to zero", `{{.Data.Neg | floatformat 1}}|{{-1.25 | floatformat 1}}`, "0.0|-1.3"},
		{"floatformat integer and string", `{{.Data.Two | floatformat 2}}|{{"1.5" | floatformat}}`, "2.00|1.5"},
		{"floatformat not a number", `[{{.Data.Text | floatformat}}]`, "[]"},
		{"floatformat places out of range", `{{.Data.Half | floatformat 1000000000000}}|{{.Data.Half | floatformat -9223372036854775808}}|{{0.5 | floatformat 1000 | len}}`, "34.25|34.25|1002"},
		// upper, lower, title
		{"upper", `{{.Data.Text | upper}}`, "HELLO, WORLD"},
		{"lower", `{{.Data.Text | lower}}`, "hello, world"},
		{"upper escapes", `{{"<b>" | upper}}`, "&lt;B&gt;"},
		{"title", `{{"they're 1st of MY friends" | title}}`, "They&#39;re 1st Of My Friends"},
		{"title stringer", `{{.Data.Stringer | title}}`, "I Am &lt;A Stringer&gt;"},
		// length
		{"length", `{{.Data.List | length}} {{.Data.Unicode | length}} {{.Data.Map | length}} {{.Data.Nil | length}} {{.Data.One | length}}`, "3 14 2 0 0"},
		// join
		{"join escapes items and separator", `{{.Data.List | join " & "}}`, "a &amp; &lt;b&gt; &amp; c"},
		{"join keeps template.HTML items", `{{.Data.HTMLList | join ", "}}`, "<i>x</i>, <b>y</b>"},
		{"join of a non-slice", `{{.Data.Str | join ", "}}`, "hello"},
		// add
		{"add integers", `{{.Data.Two | add 3}}`, "5"},
		{"add int64 and int", `{{.Data.Int64 | add .Data.One}}`, "6"},
		{"add numeric strings", `{{"4" | add "3"}}`, "7"},
		{"add strings", `{{"ab" | add "cd"}}`, "abcd"},
		{"add floats", `{{1.5 | add 2}}`, "3.5"},
		{"add mismatch", `[{{.Data.List | add 2}}]`, "[]"},
		// slugify
		{"slugify", `{{.Data.Accents | slugify}}`, "hello-world-ca-va-_x"},
		{"slugify simple", `{{"Joel is a slug" | slugify}}`, "joel-is-a-slug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderString(t, tt.text, data)
			if err != nil {
				t.Fatalf("render %s: %v", tt.text, err)
			}
			if got != tt.want {
				t.Errorf("render %s = %q; want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFilterArgumentErrors(t *testing.T) {
	for _, text := range []string{
		`{{pluralize 1 2 3}}`, `{{date}}`, `{{json_script "a" "b" "c"}}`,
	} {
		_, err := renderString(t, text, nil)
		if err == nil {
			t.Errorf("render %s: nil error; want one", text)
		}
	}
}

func TestTimesinceUnits(t *testing.T) {
	base := time.Date(2024, time.January, 31, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"seconds only", base.Add(59 * time.Second), "0 minutes"},
		{"minutes", base.Add(5 * time.Minute), "5 minutes"},
		{"one hour", base.Add(time.Hour + 30*time.Second), "1 hour"},
		{"hours and minutes", base.Add(3*time.Hour + 7*time.Minute), "3 hours, 7 minutes"},
		{"days, non-adjacent unit dropped", base.Add(2*24*time.Hour + 5*time.Minute), "2 days"},
		{"weeks and days", base.Add(10 * 24 * time.Hour), "1 week, 3 days"},
		{"month from the 31st to a short month", time.Date(2024, time.February, 29, 10, 0, 0, 0, time.UTC), "4 weeks, 1 day"},
		{"one month", time.Date(2024, time.March, 1, 10, 0, 0, 0, time.UTC), "1 month"},
		{"years and months", time.Date(2026, time.April, 1, 10, 0, 0, 0, time.UTC), "2 years, 2 months"},
		{"a year less a second", time.Date(2025, time.January, 31, 9, 59, 59, 0, time.UTC), "11 months, 4 weeks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.ReplaceAll(since(base, tt.now), "\u00a0", " ")
			if got != tt.want {
				t.Errorf("since(%v, %v) = %q; want %q", base, tt.now, got, tt.want)
			}
		})
	}
}

// A filter's error stops the render.
func TestFilterFuncErrorStops(t *testing.T) {
	_, err := renderString(t, `{{json_script "x" .Data}}`, func() {})
	var re *RenderError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "json_script") {
		t.Errorf("json_script of a func: %v; want a *RenderError naming json_script", err)
	}
}
