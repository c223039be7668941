package templates

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The fortunes benchmark (TechEmpower's): a layout and a 100-row table of
// id and message, messages with characters to escape.

const benchLayout = `<!DOCTYPE html><html><head><title>{{block "title" .}}Fortunes{{end}}</title></head>` +
	`<body>{{block "content" .}}{{end}}</body></html>`

// The page for the engine (dot is *Context) and for plain html/template
// (dot is the data).
const (
	benchPage = `{{/* extends "layout.html" */}}{{define "content"}}<table><tr><th>id</th><th>message</th></tr>` +
		`{{range .Data.Rows}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>{{end}}</table>{{end}}`
	benchPlainPage = `{{define "content"}}<table><tr><th>id</th><th>message</th></tr>` +
		`{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>{{end}}</table>{{end}}`
)

type fortune struct {
	ID      int
	Message string
}

func fortunes() struct{ Rows []fortune } {
	rows := make([]fortune, 100)
	for i := range rows {
		rows[i] = fortune{ID: i + 1, Message: "A fortune <script>alert(\"" + strconv.Itoa(i) + "\")</script> & friends: 「いろはにほへと」"}
	}
	return struct{ Rows []fortune }{rows}
}

// discardWriter is a ResponseWriter that drops the body.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func BenchmarkRender100Rows(b *testing.B) {
	data := fortunes()
	r := httptest.NewRequest("GET", "/fortunes/", nil)

	b.Run("html-template", func(b *testing.B) {
		t := template.Must(template.New("layout.html").Parse(benchLayout))
		template.Must(t.New("fortunes.html").Parse(benchPlainPage))
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			w.h["Content-Type"] = []string{"text/html; charset=utf-8"}
			w.WriteHeader(http.StatusOK)
			if err := t.Execute(w, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		e, err := NewEngine(Config{Sources: []Source{files("bench", map[string]string{
			"layout.html": benchLayout, "fortunes.html": benchPage,
		})}})
		if err != nil {
			b.Fatal(err)
		}
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			if err := e.Render(w, r, http.StatusOK, "fortunes.html", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine-processor", func(b *testing.B) {
		e, err := NewEngine(Config{
			Sources:    []Source{files("bench", map[string]string{"layout.html": benchLayout, "fortunes.html": benchPage})},
			Processors: []ContextProcessor{processor{"user": "ada"}},
		})
		if err != nil {
			b.Fatal(err)
		}
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			if err := e.Render(w, r, http.StatusOK, "fortunes.html", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRender100RowsRatio renders with plain html/template and with
// the engine in turn, in the same loop, and reports the median ratio of
// their times ("engine/plain"), which stays meaningful on a busy machine
// where separate sub-benchmarks drift.
func BenchmarkRender100RowsRatio(b *testing.B) {
	data := fortunes()
	r := httptest.NewRequest("GET", "/fortunes/", nil)
	t := template.Must(template.New("layout.html").Parse(benchLayout))
	template.Must(t.New("fortunes.html").Parse(benchPlainPage))
	e, err := NewEngine(Config{Sources: []Source{files("bench", map[string]string{
		"layout.html": benchLayout, "fortunes.html": benchPage,
	})}})
	if err != nil {
		b.Fatal(err)
	}
	w := &discardWriter{h: http.Header{}}
	plain := func() {
		w.h["Content-Type"] = []string{"text/html; charset=utf-8"}
		w.WriteHeader(http.StatusOK)
		if err := t.Execute(w, data); err != nil {
			b.Fatal(err)
		}
	}
	engine := func() {
		if err := e.Render(w, r, http.StatusOK, "fortunes.html", data); err != nil {
			b.Fatal(err)
		}
	}
	// Each iteration times both, in alternating order; the median of the
	// per-iteration ratios ignores the iterations a busy machine slowed.
	var ratios []float64
	i := 0
	for b.Loop() {
		first, second := plain, engine
		if i%2 == 1 {
			first, second = engine, plain
		}
		start := time.Now()
		first()
		mid := time.Now()
		second()
		d1, d2 := mid.Sub(start), time.Since(mid)
		if i%2 == 1 {
			d1, d2 = d2, d1
		}
		ratios = append(ratios, float64(d2)/float64(d1))
		i++
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "engine/plain")
}

// BenchmarkRenderOverhead measures the engine's fixed cost per render (the
// Context, the pooled buffer, the copy) on a template with no actions.
func BenchmarkRenderOverhead(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	const page = `<!DOCTYPE html><html><body><p>Hello, world.</p></body></html>`
	b.Run("html-template", func(b *testing.B) {
		t := template.Must(template.New("p").Parse(page))
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			w.h["Content-Type"] = []string{"text/html; charset=utf-8"}
			if err := t.Execute(w, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		e, err := NewEngine(Config{Sources: []Source{files("bench", map[string]string{"p.html": page})}})
		if err != nil {
			b.Fatal(err)
		}
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			if err := e.Render(w, r, http.StatusOK, "p.html", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
