package respond

import (
	"bufio"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// debugPage is the data of the DEBUG page.
type debugPage struct {
	Page
	Type   string // the error's type, or "panic"
	Detail string // the error's text, masked
	// Extra is what a DebugDetailer in the chain adds, masked; nil if none.
	Extra     *debugDetails
	Method    string
	Path      string
	Chain     []chainLink
	Panic     bool
	Frames    []stackFrame
	RawStack  string // when the stack could not be parsed
	Request   requestInfo
	HasConfig bool
	Settings  []SettingLine
	GoVersion string
	Platform  string
	Time      string
}

// DebugDetailer is implemented by errors that have more to show on the
// DEBUG page than their text: the router's 404 lists the URL patterns it
// tried. The first DebugDetailer in the error's chain (errors.As) gives a
// title and lines; the DEBUG page shows them, masked (MaskString) and
// escaped, in a section of their own, in order, and DEBUG JSON errors
// carry them as "debug":{"title":...,"lines":[...]}. Production pages and
// production JSON never show them. DebugDetails must be safe for
// concurrent use; returning "" and no lines adds nothing.
type DebugDetailer interface {
	DebugDetails() (title string, lines []string)
}

// debugDetails is what a DebugDetailer gave, masked.
type debugDetails struct {
	Title string   `json:"title,omitempty"`
	Lines []string `json:"lines"`
}

// maxDetailLines bounds the lines a DebugDetailer may add.
const maxDetailLines = 1000

// extraDetails returns the masked details of the first DebugDetailer in
// err's chain, or nil.
func extraDetails(err error) *debugDetails {
	var dd DebugDetailer
	if !errors.As(err, &dd) {
		return nil
	}
	title, lines := dd.DebugDetails()
	if title == "" && len(lines) == 0 {
		return nil
	}
	d := &debugDetails{Title: MaskString(title), Lines: make([]string, 0, min(len(lines), maxDetailLines+1))}
	for i, l := range lines {
		if i == maxDetailLines {
			d.Lines = append(d.Lines, "…")
			break
		}
		d.Lines = append(d.Lines, MaskString(l))
	}
	return d
}

// chainLink is one error of the chain, indented below the error that
// joined it with others.
type chainLink struct {
	Indent  string
	Type    string
	Message string
}

// stackFrame is one function of a panic's stack.
type stackFrame struct {
	Func   string
	File   string
	Line   int
	Std    bool // standard library, runtime, or the recovery frames above the panic
	Origin bool // the function that panicked
	Source []sourceLine
}

type sourceLine struct {
	N       int
	Text    string
	Current bool
}

type requestInfo struct {
	URL        string
	Proto      string
	Host       string
	RemoteAddr string
	Headers    []pair
	Query      []pair
	Form       []pair
	FormParsed bool
}

// pair is a name and a display value, masked when it looked secret.
type pair struct {
	Name   string
	Value  string
	Masked bool
}

// Limits that keep the DEBUG page bounded.
const (
	maxChainLinks   = 64
	maxSourceFrames = 8
	sourceContext   = 3       // lines either side of a frame's line
	maxSourceFile   = 1 << 20 // bytes; larger files are not read
)

// writeDebug renders the DEBUG page for err into w.
func (rd *Renderer) writeDebug(w io.Writer, r *http.Request, err error, status int, rid string) error {
	p := debugPage{
		Page:      rd.page(err, status, rid),
		Type:      errorTypeName(err),
		Detail:    MaskString(err.Error()),
		Extra:     extraDetails(err),
		Method:    r.Method,
		Path:      r.URL.Path,
		Chain:     errorChain(err),
		Request:   describeRequest(r),
		HasConfig: rd.Settings != nil,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		Time:      time.Now().Format(time.RFC3339),
	}
	if pe, ok := errors.AsType[*PanicError](err); ok {
		p.Panic = true
		p.Type = "panic"
		p.Frames = parseStack(pe.Stack)
		if len(p.Frames) == 0 && len(pe.Stack) > 0 {
			p.RawStack = string(pe.Stack)
		}
		addSource(p.Frames)
	}
	if rd.Settings != nil {
		p.Settings = MaskSettings(rd.Settings)
	}
	return debugTemplate().Execute(w, p)
}

// errorTypeName names err's dynamic type, "panic" for a *PanicError.
func errorTypeName(err error) string {
	if _, ok := err.(*PanicError); ok {
		return "panic"
	}
	return fmt.Sprintf("%T", err)
}

// errorChain lists err and the errors it wraps, depth first; the errors an
// Unwrap() []error returns are indented one more level.
func errorChain(err error) []chainLink {
	var links []chainLink
	var walk func(err error, depth int)
	walk = func(err error, depth int) {
		for err != nil && len(links) < maxChainLinks {
			links = append(links, chainLink{
				Indent:  strings.Repeat("\u00a0\u00a0\u00a0\u00a0", depth),
				Type:    fmt.Sprintf("%T", err),
				Message: MaskString(err.Error()),
			})
			switch u := err.(type) {
			case interface{ Unwrap() error }:
				err = u.Unwrap()
			case interface{ Unwrap() []error }:
				for _, e := range u.Unwrap() {
					walk(e, depth+1)
				}
				return
			default:
				return
			}
		}
	}
	walk(err, 0)
	return links
}

// parseStack parses a runtime/debug.Stack trace into frames. The frames
// down to the runtime's panic frame (debug.Stack, NewPanicError, the
// recovering function) are marked Std, and the frame after it is the Origin.
func parseStack(stack []byte) []stackFrame {
	lines := strings.Split(strings.TrimSpace(string(stack)), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "goroutine ") {
		lines = lines[1:]
	}
	var frames []stackFrame
	for i := 0; i+1 < len(lines); i++ {
		fn, loc := lines[i], lines[i+1]
		if fn == "" || !strings.HasPrefix(loc, "\t") {
			continue
		}
		i++
		loc = strings.TrimPrefix(loc, "\t")
		if j := strings.LastIndex(loc, " +0x"); j >= 0 {
			loc = loc[:j]
		}
		f := stackFrame{Func: fn, File: loc, Std: isStdFunc(fn)}
		if j := strings.LastIndexByte(loc, ':'); j >= 0 {
			if n, err := strconv.Atoi(loc[j+1:]); err == nil {
				f.File, f.Line = loc[:j], n
			}
		}
		frames = append(frames, f)
	}
	if p := slices.IndexFunc(frames, func(f stackFrame) bool { return strings.HasPrefix(f.Func, "panic(") }); p >= 0 {
		for i := range p + 1 {
			frames[i].Std = true
		}
		if p+1 < len(frames) {
			frames[p+1].Origin = true
		}
	}
	return frames
}

// isStdFunc reports whether a stack trace function line belongs to the
// standard library or the runtime: its import path's first element has no
// dot, and it is not main.
func isStdFunc(fn string) bool {
	fn = strings.TrimPrefix(fn, "created by ")
	if strings.HasPrefix(fn, "panic(") {
		return true
	}
	pkg := fn
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		if j := strings.IndexByte(pkg[i:], '.'); j >= 0 {
			pkg = pkg[:i+j]
		}
	} else if j := strings.IndexByte(pkg, '.'); j >= 0 {
		pkg = pkg[:j]
	}
	first, _, _ := strings.Cut(pkg, "/")
	return first != "main" && !strings.Contains(first, ".")
}

// addSource reads a few lines around the first application frames from
// their source files, when those are on this machine.
func addSource(frames []stackFrame) {
	n := 0
	for i := range frames {
		f := &frames[i]
		if f.Std || f.Line <= 0 || !filepath.IsAbs(f.File) {
			continue
		}
		if n++; n > maxSourceFrames {
			return
		}
		f.Source = readSource(f.File, f.Line)
	}
}

func readSource(file string, line int) []sourceLine {
	fh, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxSourceFile {
		return nil
	}
	var out []sourceLine
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan() && n <= line+sourceContext; n++ {
		if n >= line-sourceContext {
			out = append(out, sourceLine{N: n, Text: sc.Text(), Current: n == line})
		}
	}
	return out
}

// secretHeaders are request headers masked whatever their name says.
var secretHeaders = [...]string{"Cookie", "Authorization", "Proxy-Authorization"}

// describeRequest collects what the DEBUG page shows of r, masked.
func describeRequest(r *http.Request) requestInfo {
	ri := requestInfo{
		URL:        MaskString(requestURL(r)),
		Proto:      r.Proto,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
	}
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		secret := slices.Contains(secretHeaders[:], name) || isSensitiveName(name)
		for _, v := range r.Header[name] {
			ri.Headers = append(ri.Headers, maskedPair(name, v, secret))
		}
	}
	ri.Query = valuePairs(r.URL.Query())
	if r.PostForm != nil {
		ri.FormParsed = true
		ri.Form = valuePairs(r.PostForm)
		if r.MultipartForm != nil {
			for _, name := range slices.Sorted(maps.Keys(r.MultipartForm.File)) {
				for _, fh := range r.MultipartForm.File[name] {
					ri.Form = append(ri.Form, pair{Name: name, Value: fmt.Sprintf("file %q (%d bytes)", fh.Filename, fh.Size)})
				}
			}
		}
	}
	return ri
}

// requestURL rebuilds the absolute URL the client asked for.
func requestURL(r *http.Request) string {
	if r.URL.IsAbs() {
		return r.URL.String()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func valuePairs(vs map[string][]string) []pair {
	var out []pair
	for _, name := range slices.Sorted(maps.Keys(vs)) {
		secret := isSensitiveName(name)
		for _, v := range vs[name] {
			out = append(out, maskedPair(name, v, secret))
		}
	}
	return out
}

func maskedPair(name, value string, secret bool) pair {
	if secret && value != "" {
		return pair{Name: name, Value: Masked, Masked: true}
	}
	m := MaskString(value)
	return pair{Name: name, Value: m, Masked: m != value}
}

// debugTemplate is the DEBUG page, parsed once on first use; it is never
// modified after parsing, so sharing it is safe.
var debugTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("debug").Parse(debugHTML))
})

const debugHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Type}} at {{.Path}}</title>
<style>
:root{--fg:#1f2328;--mute:#59636e;--bg:#fff;--line:#d1d9e0;--band:#fff8c5;--bandline:#d4a72c;--code:#f6f8fa;--hit:#ffebe9;--hitline:#cf222e;--cur:#ffcecb}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
code,pre,td,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
header{padding:1.25rem 2rem 1rem;background:var(--band);border-bottom:1px solid var(--bandline)}
header h1{margin:0;font-size:1.5rem;font-weight:600}
header h1 span{font-weight:400;color:var(--mute)}
.detail{margin:.5rem 0 1rem;font-size:15px;white-space:pre-wrap;word-break:break-word}
section{padding:1rem 2rem;border-bottom:1px solid var(--line)}
h2{margin:0 0 .75rem;font-size:1.1rem}
h3{margin:1rem 0 .4rem;font-size:.95rem;color:var(--mute)}
table{width:100%;border-collapse:collapse}
th,td{padding:.3rem .75rem .3rem 0;text-align:left;vertical-align:top;border-top:1px solid var(--line)}
th{width:16rem;font-weight:600;white-space:nowrap}
header th,header td{border:0;padding:.1rem .75rem .1rem 0}
td{word-break:break-all;white-space:pre-wrap}
.masked{color:var(--mute);font-style:italic}
.none{color:var(--mute);margin:0}
ol.details{margin:0;padding-left:2rem}
ol.details li{margin:.1rem 0;word-break:break-all}
ol.frames{list-style:none;margin:0;padding:0}
.frame{margin:0 0 .4rem;padding:.4rem .6rem;border:1px solid var(--line);border-radius:6px}
.frame.std{opacity:.55}
.frame.origin{border-color:var(--hitline);background:var(--hit);opacity:1}
.fn{font-weight:600;word-break:break-all}
.loc{color:var(--mute);word-break:break-all}
pre{margin:.4rem 0 0;padding:.4rem 0;background:var(--code);border-radius:4px;overflow-x:auto}
pre.raw{padding:.6rem}
pre .ln{display:block;padding:0 .6rem;white-space:pre}
pre .ln.cur{background:var(--cur)}
footer{padding:1rem 2rem 2rem;color:var(--mute)}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--mute:#9198a1;--bg:#0d1117;--line:#3d444d;--band:#2e2a1a;--bandline:#9e6a03;--code:#151b23;--hit:#2d1619;--hitline:#f85149;--cur:#5d1d1f}}
</style>
</head>
<body>
<header>
<h1>{{.Type}} <span>at {{.Method}} {{.Path}}</span></h1>
<p class="detail">{{.Detail}}</p>
<table>
<tr><th>Status</th><td>{{.Status}} {{.Title}}</td></tr>
<tr><th>Request URL</th><td>{{.Request.URL}}</td></tr>
{{- if .RequestID}}
<tr><th>Request ID</th><td>{{.RequestID}}</td></tr>
{{- end}}
<tr><th>Clients see</th><td>{{.Message}}</td></tr>
<tr><th>Go</th><td>{{.GoVersion}} {{.Platform}}</td></tr>
<tr><th>Time</th><td>{{.Time}}</td></tr>
</table>
</header>

{{- with .Extra}}
<section id="details">
{{- if .Title}}
<h2>{{.Title}}</h2>
{{- end}}
{{- if .Lines}}
<ol class="details">
{{- range .Lines}}
<li><code>{{.}}</code></li>
{{- end}}
</ol>
{{- end}}
</section>
{{- end}}

<section id="chain">
<h2>Error chain</h2>
<table>
{{- range .Chain}}
<tr><th class="mono">{{.Indent}}{{.Type}}</th><td>{{.Message}}</td></tr>
{{- end}}
</table>
</section>

<section id="stack">
<h2>Stack</h2>
{{- if .Frames}}
<ol class="frames">
{{- range .Frames}}
<li class="frame{{if .Origin}} origin{{else if .Std}} std{{end}}">
<div class="fn">{{.Func}}</div>
<div class="loc mono">{{.File}}{{if .Line}}:{{.Line}}{{end}}</div>
{{- if .Source}}
<pre>{{range .Source}}<span class="ln{{if .Current}} cur{{end}}">{{printf "%5d" .N}}  {{.Text}}</span>{{end}}</pre>
{{- end}}
</li>
{{- end}}
</ol>
{{- else if .RawStack}}
<pre class="raw">{{.RawStack}}</pre>
{{- else if .Panic}}
<p class="none">The panic carried no stack.</p>
{{- else}}
<p class="none">No stack: this error was returned, not panicked. The chain above is its story; wrap errors with fmt.Errorf("doing x: %w", err) on the way up to make it tell more.</p>
{{- end}}
</section>

<section id="request">
<h2>Request</h2>
<table>
<tr><th>Method</th><td>{{.Method}}</td></tr>
<tr><th>URL</th><td>{{.Request.URL}}</td></tr>
<tr><th>Protocol</th><td>{{.Request.Proto}}</td></tr>
<tr><th>Host</th><td>{{.Request.Host}}</td></tr>
<tr><th>Remote address</th><td>{{.Request.RemoteAddr}}</td></tr>
</table>
<h3>Headers</h3>
{{- template "pairs" .Request.Headers}}
<h3>Query</h3>
{{- template "pairs" .Request.Query}}
<h3>Form</h3>
{{- if .Request.FormParsed}}
{{- template "pairs" .Request.Form}}
{{- else}}
<p class="none">Not parsed by the view.</p>
{{- end}}
</section>

<section id="settings">
<h2>Settings</h2>
{{- if .HasConfig}}
<table>
{{- range .Settings}}
<tr><th class="mono">{{.Path}}</th><td{{if .Masked}} class="masked"{{end}}>{{.Value}}</td></tr>
{{- end}}
</table>
{{- else}}
<p class="none">No settings: Renderer.Settings is nil.</p>
{{- end}}
</section>

<footer>
You are seeing this page because the Renderer has Debug set. Turn it off in
production: secrets are masked, but this page shows the internals of your site.
</footer>
</body>
</html>
{{- define "pairs"}}
{{- if .}}
<table>
{{- range .}}
<tr><th class="mono">{{.Name}}</th><td{{if .Masked}} class="masked"{{end}}>{{.Value}}</td></tr>
{{- end}}
</table>
{{- else}}
<p class="none">None.</p>
{{- end}}
{{- end}}
`
