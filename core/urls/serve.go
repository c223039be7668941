package urls

import (
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/djinn-go/djinn/core/respond"
)

// fallbackPattern is the catch-all registered by Handler: it matches what
// no route matches and answers 404 or 405.
const fallbackPattern = "/"

// NotFoundError is the error behind the router's 404 answers: no route
// matches the request, or a route's pattern matches but a converter
// rejects a value. Its HTTPStatus is 404. It reaches respond.Error wrapped
// in a *respond.HTTPError with status 404, so production pages say only
// "Not Found"; in DEBUG the router writes a page listing Tried instead.
// The router creates one per answer and does not modify it afterwards.
type NotFoundError struct {
	// Method and Path are the request's method and unescaped path.
	Method, Path string
	// Route, when non-nil, is the route whose pattern matched Path before
	// the converter of wildcard Param rejected its Value.
	Route        *Route
	Param, Value string
	// Tried lists the router's routes in registration order. The router
	// fills it only for DEBUG pages.
	Tried []Route
}

// Error describes the miss for logs and DEBUG pages: method, path and, for
// a converter mismatch, the rejected value and the pattern.
func (e *NotFoundError) Error() string {
	if e.Route != nil {
		return fmt.Sprintf("urls: %s %q: value %q of {%s} rejected by its converter in %q",
			e.Method, e.Path, e.Value, e.Param, e.Route.Pattern)
	}
	return fmt.Sprintf("urls: no route matches %s %q", e.Method, e.Path)
}

// HTTPStatus returns 404.
func (e *NotFoundError) HTTPStatus() int { return http.StatusNotFound }

// endpoint is the handler registered in the ServeMux for a route: it
// validates converter values, answers Resolve probes and calls the view.
type endpoint struct{ rt *route }

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, s := range e.rt.checks {
		if v := r.PathValue(s.name); !s.ck.match(v, s.c) {
			if _, ok := w.(*probe); ok {
				return
			}
			pub := e.rt.public()
			e.rt.t.notFound(w, r, &NotFoundError{Method: r.Method, Path: r.URL.Path, Route: &pub, Param: s.name, Value: v})
			return
		}
	}
	if p, ok := w.(*probe); ok {
		p.route = e.rt
		return
	}
	e.rt.h.ServeHTTP(w, r)
}

// fallback answers requests that no route matches.
type fallback struct{ t *tree }

func (f *fallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := w.(*probe); ok {
		return
	}
	if allow := f.t.allowed(r); allow != "" {
		respond.Error(w, r, &respond.HTTPError{
			Status: http.StatusMethodNotAllowed,
			Header: http.Header{"Allow": {allow}},
		})
		return
	}
	f.t.notFound(w, r, &NotFoundError{Method: r.Method, Path: r.URL.Path})
}

// allowed returns the Allow header for a request no route matched: the
// methods for which a route would match its host and path (GET allows
// HEAD), as ServeMux computes them for its own 405 answers, or "".
func (t *tree) allowed(r *http.Request) string {
	var allow []string
	for _, m := range t.methods {
		if m == r.Method {
			continue
		}
		q := &http.Request{Method: m, Host: r.Host, URL: r.URL}
		if _, pat := t.mux.Handler(q); pat != "" && pat != fallbackPattern {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// notFound answers 404 for e: through respond.Error in production, with
// the page listing the patterns when the request's Renderer is in DEBUG.
func (t *tree) notFound(w http.ResponseWriter, r *http.Request, e *NotFoundError) {
	rd := respond.RendererFrom(r.Context())
	if !rd.Debug {
		respond.Error(w, r, &respond.HTTPError{Status: http.StatusNotFound, Err: e})
		return
	}
	e.Tried = make([]Route, len(t.routes))
	for i, rt := range t.routes {
		e.Tried[i] = rt.public()
	}
	writeDebug404(w, r, rd, e)
}

// debugCSP is the Content-Security-Policy of the DEBUG 404 page: no
// scripts, no loads, inline style only.
const debugCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// writeDebug404 writes the DEBUG 404 page for e, as JSON when the client
// wants JSON. Every value from the request or the routes is escaped.
func writeDebug404(w http.ResponseWriter, r *http.Request, rd *respond.Renderer, e *NotFoundError) {
	var rid string
	if rd.RequestID != nil {
		rid = rd.RequestID(r.Context())
	}
	if rd.Logger != nil {
		rd.Logger.LogAttrs(r.Context(), slog.LevelDebug, "client error",
			slog.String("request_id", rid), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", http.StatusNotFound),
			slog.String("error", e.Error()))
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if respond.WantsJSON(r) {
		type body struct {
			Status    int     `json:"status"`
			Message   string  `json:"message"`
			RequestID string  `json:"request_id,omitempty"`
			Detail    string  `json:"detail"`
			Method    string  `json:"method"`
			Path      string  `json:"path"`
			Tried     []Route `json:"tried"`
		}
		_ = respond.JSON(w, http.StatusNotFound, struct {
			Error body `json:"error"`
		}{body{
			Status: http.StatusNotFound, Message: "Not Found", RequestID: rid,
			Detail: e.Error(), Method: e.Method, Path: e.Path, Tried: e.Tried,
		}})
		return
	}
	h.Set("Content-Security-Policy", debugCSP)
	_ = respond.HTML(w, http.StatusNotFound, debug404HTML(r, e, rid))
}

// debug404HTML renders Django's "technical 404" for e.
func debug404HTML(r *http.Request, e *NotFoundError, rid string) string {
	esc := html.EscapeString
	var b strings.Builder
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex,nofollow">
<title>Page not found at `)
	b.WriteString(esc(e.Path))
	b.WriteString(`</title>
<style>body{font:14px/1.5 sans-serif;margin:0;color:#000}header{background:#ffc;padding:10px 20px;border-bottom:1px solid #ddd}
main{padding:10px 20px}h1{font-weight:normal;margin:0 0 10px}h1 small{color:#666}table{border:none;border-collapse:collapse}
th{text-align:right;padding-right:10px;color:#666;font-weight:normal}ol{font-family:monospace}li{margin:2px 0}
.name{color:#666}footer{background:#eee;padding:10px 20px;color:#555}code{background:#f5f5f5}</style></head><body>
<header><h1>Page not found <small>(404)</small></h1><table>
<tr><th>Request Method:</th><td>`)
	b.WriteString(esc(r.Method))
	b.WriteString(`</td></tr>
<tr><th>Request URL:</th><td>`)
	b.WriteString(esc(scheme + "://" + r.Host + r.URL.RequestURI()))
	b.WriteString("</td></tr>\n")
	if rid != "" {
		b.WriteString(`<tr><th>Request ID:</th><td>`)
		b.WriteString(esc(rid))
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</table></header>\n<main>\n")
	if len(e.Tried) == 0 {
		b.WriteString("<p>The router has no URL patterns.</p>\n")
	} else {
		b.WriteString("<p>Using the project's URL router, Djinn tried these URL patterns, in this order:</p>\n<ol>\n")
		for _, rt := range e.Tried {
			b.WriteString("<li><code>")
			b.WriteString(esc(rt.Pattern))
			b.WriteString("</code>")
			if rt.Name != "" {
				b.WriteString(` <span class="name">[name=`)
				b.WriteString(esc(strconv.Quote(rt.Name)))
				b.WriteString("]</span>")
			}
			b.WriteString("</li>\n")
		}
		b.WriteString("</ol>\n")
	}
	if e.Route != nil {
		fmt.Fprintf(&b, "<p>The current path, <code>%s</code>, matched the pattern <code>%s</code>, but the value <code>%s</code> of <code>{%s}</code> was rejected by its converter.</p>\n",
			esc(e.Path), esc(e.Route.Pattern), esc(strconv.Quote(e.Value)), esc(e.Param))
	} else {
		fmt.Fprintf(&b, "<p>The current path, <code>%s</code>, didn&#39;t match any of these.</p>\n", esc(e.Path))
	}
	b.WriteString(`</main>
<footer><p>You&#39;re seeing this error because the project runs with Debug on. Turn it off, and Djinn will display a standard 404 page.</p></footer>
</body></html>
`)
	return b.String()
}

// probe is the ResponseWriter of Resolve's dry runs: endpoints that see it
// record their route instead of calling the view, the fallback does
// nothing, and whatever else ServeMux writes (a redirect) is dropped.
type probe struct {
	h     http.Header
	route *route
}

func (p *probe) Header() http.Header {
	if p.h == nil {
		p.h = http.Header{}
	}
	return p.h
}
func (p *probe) Write(b []byte) (int, error) { return len(b), nil }
func (p *probe) WriteHeader(int)             {}

// Resolve reports which route would serve a request with the given method,
// host and path, without serving it: the route must match (ServeMux rules,
// including its trailing-slash and clean-path redirects, which do not
// count as a match) and its converters must accept the values. It is safe
// for concurrent use once registration is done, and answers for the whole
// tree from any router in it.
//
// method "" means GET. host is the request's Host (a port is ignored; ""
// matches only patterns without a host). path is in escaped form, as
// r.URL.EscapedPath() returns it, without a query; a path that does not
// start with "/" or is not valid percent-encoding resolves to nothing.
//
// The common middleware's APPEND_SLASH asks Resolves(r.Method, r.Host,
// r.URL.EscapedPath()+"/").
func (r *Router) Resolve(method, host, path string) (Route, bool) {
	if path == "" || path[0] != '/' {
		return Route{}, false
	}
	p, err := unescapePath(path)
	if err != nil {
		return Route{}, false
	}
	if method == "" {
		method = http.MethodGet
	}
	req := &http.Request{Method: method, Host: host, URL: p, Header: http.Header{}}
	pr := &probe{}
	r.root().tree.mux.ServeHTTP(pr, req)
	if pr.route == nil {
		return Route{}, false
	}
	return pr.route.public(), true
}

// Resolves reports whether Resolve finds a route.
func (r *Router) Resolves(method, host, path string) bool {
	_, ok := r.Resolve(method, host, path)
	return ok
}

// unescapePath returns a URL for the escaped path p, as net/http would
// parse it from a request line.
func unescapePath(p string) (*url.URL, error) {
	if strings.ContainsAny(p, "?#") {
		return nil, errors.New("path has a query or fragment")
	}
	u, err := url.ParseRequestURI(p)
	if err != nil {
		return nil, err
	}
	return u, nil
}
