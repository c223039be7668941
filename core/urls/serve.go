package urls

import (
	"errors"
	"fmt"
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
// "Not Found"; in DEBUG, respond's page and JSON also show Tried through
// DebugDetails.
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

// DebugDetails implements respond.DebugDetailer: the DEBUG 404 page (and
// DEBUG JSON) lists Tried in order, one line per route, its pattern then
// its name: `GET /polls/{id:int}/{$}  [name="polls:detail"]`. respond
// masks and escapes the lines; production answers never show them.
func (e *NotFoundError) DebugDetails() (title string, lines []string) {
	if len(e.Tried) == 0 {
		return "The URL router has no patterns.", nil
	}
	lines = make([]string, len(e.Tried))
	for i, rt := range e.Tried {
		lines[i] = rt.Pattern
		if rt.Name != "" {
			lines[i] += "  [name=" + strconv.Quote(rt.Name) + "]"
		}
	}
	return "Djinn tried these URL patterns, in this order:", lines
}

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

// notFound answers 404 for e through respond.Error. When the request's
// Renderer is in DEBUG, e lists the routes, which the DEBUG page and DEBUG
// JSON show (see NotFoundError.DebugDetails); production answers never
// mention them.
func (t *tree) notFound(w http.ResponseWriter, r *http.Request, e *NotFoundError) {
	if respond.RendererFrom(r.Context()).Debug {
		e.Tried = make([]Route, len(t.routes))
		for i, rt := range t.routes {
			e.Tried[i] = rt.public()
		}
	}
	respond.Error(w, r, &respond.HTTPError{Status: http.StatusNotFound, Err: e})
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
