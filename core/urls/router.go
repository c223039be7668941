package urls

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Router is a table of named routes that compiles to one http.ServeMux.
//
// Create routers with New; the zero Router is not usable. A project has one
// root router; each app fills its own router (see Provider) which the
// project mounts with Include. Routers form a tree: Reverse, Resolve and
// Routes called on any router of the tree answer for the whole tree, from
// its root.
//
// Registration (Converter, Handle, HandleFunc, Include) is start-up code: it
// is not safe for concurrent use and panics on programming errors
// (malformed or conflicting patterns, duplicate names, registration after
// Handler); Handler panics on converters that no router of the tree
// registers. Once registration is done, Reverse,
// MustReverse, Resolve, Resolves, Routes and the built handler are safe for
// concurrent use.
type Router struct {
	// tree holds the routes while this router is a root; nil once the
	// router has been included in another.
	tree *tree

	parent    *Router
	prefix    []segment // path prefix below parent; nil at the root
	prefixStr string    // the prefix as given to Include, for messages
	namespace string    // namespace below parent; "" for none

	converters map[string]Converter
}

// tree is the shared state of a tree of routers, owned by its root.
type tree struct {
	mu      sync.Mutex // serializes Handler
	built   bool
	mux     *http.ServeMux
	routes  []*route          // registration order
	names   map[string]*route // full name -> route
	byMux   map[string]*route // ServeMux pattern -> route, for conflict messages
	methods []string          // methods in patterns, sorted, for 405 answers; set by Handler
}

// route is one registered pattern, compiled.
type route struct {
	t         *tree
	method    string
	host      string
	segs      []segment
	name      string // full name with namespaces, "" if unnamed
	namespace string
	h         http.Handler // the user's handler

	pattern    string // display form, with converters
	muxPattern string // what ServeMux sees

	// Reverse program: literal chunks interleaved with wildcards.
	prog    []piece
	params  []*segment // wildcards in order
	litSize int        // total length of the literal chunks

	checks []*segment // wildcards whose value must be validated per request

	// pending reports that some segment's converter is not known yet
	// (convPending); set by compile, cleared by resolve.
	pending bool
}

// piece is one step of a route's Reverse program: a literal chunk or, when
// param >= 0, the value of wildcard params[param].
type piece struct {
	lit   string
	param int
}

// Route describes a registered route, for listings (the showurls command,
// system checks, the DEBUG 404 page). It is a plain value; the zero Route
// describes no route.
type Route struct {
	// Name is the full route name with its namespaces ("polls:detail"), or
	// "" for an unnamed route.
	Name string `json:"name"`
	// Pattern is the full pattern, include prefixes applied and converters
	// shown as written: "GET /polls/{id:int}/".
	Pattern string `json:"pattern"`
	// Namespace is the namespace the route lives in ("polls", "shop:admin"),
	// "" at the root.
	Namespace string `json:"namespace,omitempty"`
}

// Subtree reports whether rt's pattern ends in a bare slash, which
// ServeMux treats as a prefix: "GET /d/{id:int}/" serves /d/7/ and also
// /d/7/garbage, anything below it that no more specific pattern matches.
// That is rarely what a named route means (Django's "d/<int:id>/" matches
// /d/7/ only); "GET /d/{id:int}/{$}" is the exact form. Patterns ending in
// {$}, in a rest wildcard ({p...}, {p:path}) or without a trailing slash
// are not subtree patterns. The check command warns about named subtree
// routes; an include's catch-all ("/" in an app) is one on purpose.
func (rt Route) Subtree() bool {
	return strings.HasSuffix(rt.Pattern, "/")
}

// Provider is implemented by apps that have routes. The project creates a
// router with New, passes it to URLs and includes it under a prefix with
// the app's label as namespace. Patterns in URLs are relative to that
// prefix: "GET /{id:int}/{$}" in a polls app mounted at "/polls/" serves
// "/polls/7/". URLs is called once, at start-up.
type Provider interface {
	URLs(r *Router)
}

// New returns an empty router whose routes start at "/". It is the root of
// its own tree until it is passed to Include.
func New() *Router {
	return &Router{tree: newTree()}
}

// Of returns a new router filled by p's URLs method, ready for Include.
func Of(p Provider) *Router {
	r := New()
	p.URLs(r)
	return r
}

func newTree() *tree {
	return &tree{
		mux:   http.NewServeMux(),
		names: map[string]*route{},
		byMux: map[string]*route{},
	}
}

// root returns the root of r's tree.
func (r *Router) root() *Router {
	for r.parent != nil {
		r = r.parent
	}
	return r
}

// Converter registers c under name for the patterns of r and of the
// routers included in r, whenever they were registered: {field:name}. A
// pattern's converter is looked up on the router it was registered on,
// then on the routers that one is included in, then among the built-in
// ones (str, int, slug, uuid, path). A name not found yet is looked up
// again when the route's router is included in another and when a
// converter is registered; Handler panics if it is still unknown. So, as
// with Django's register_converter, a converter registered on the
// project's root router serves every app, even one filled by Of before
// Include. Converter panics if name is
// not an identifier, is already registered on r or is a built-in, or if c
// is nil.
func (r *Router) Converter(name string, c Converter) {
	r.mustNotBeBuilt(fmt.Sprintf("Converter(%q)", name))
	switch {
	case !validName(name):
		panic(fmt.Sprintf("urls: converter name %q is not an identifier", name))
	case c == nil:
		panic(fmt.Sprintf("urls: converter %q is nil", name))
	}
	if f, ok := c.(ConverterFunc); ok && f == nil {
		panic(fmt.Sprintf("urls: converter %q is nil", name))
	}
	if _, ok := builtinConverter(name); ok {
		panic(fmt.Sprintf("urls: converter %q is built in and cannot be replaced", name))
	}
	if _, ok := r.converters[name]; ok {
		panic(fmt.Sprintf("urls: converter %q registered twice", name))
	}
	if r.converters == nil {
		r.converters = map[string]Converter{}
	}
	r.converters[name] = c
	r.root().tree.resolvePending()
}

// lookup finds the converter called name for patterns registered on r.
func (r *Router) lookup(name string) (convKind, Converter, bool) {
	for x := r; x != nil; x = x.parent {
		if c, ok := x.converters[name]; ok {
			return convCustom, c, true
		}
	}
	k, ok := builtinConverter(name)
	return k, nil, ok
}

// mustNotBeBuilt panics when r's tree already built its handler.
func (r *Router) mustNotBeBuilt(what string) {
	if r.root().tree.built {
		panic(fmt.Sprintf("urls: %s called after Handler: register every route, converter and include before building the handler", what))
	}
}

// Handle registers h for pattern under name; name "" leaves the route
// unnamed (it serves but cannot be reversed).
//
// A pattern is a ServeMux pattern, "[METHOD ][HOST]/[PATH]" (see
// http.ServeMux), whose wildcards may name a converter: {id:int},
// {slug:slug}, {u:uuid}, {rest:path}, {name:str} or any converter
// registered with Converter. {name} is {name:str}; {name...} is ServeMux's
// rest-of-path wildcard (possibly empty) and {name:path} the same but
// non-empty. Converters see the unescaped value ("/n/%31" gives {n:int}
// the value "1"; "%2F" in a segment gives a str value containing "/"). A
// request whose values fail a converter is answered 404.
//
// As in ServeMux, a pattern ending in a slash matches its whole subtree:
// "GET /polls/{id:int}/" also serves /polls/7/anything. End it with {$}
// ("GET /polls/{id:int}/{$}") for Django's exact match.
// Patterns are matched by ServeMux precedence (most specific wins), not in
// registration order: two patterns that differ only by their converters
// conflict.
//
// On a router included in another, pattern is relative to the include
// prefix and name is put in the include namespaces ("detail" in namespace
// "polls" is "polls:detail").
//
// Handle panics when the pattern is malformed or conflicts with a registered
// one (ServeMux's rule), when name contains ':' or is already taken in the
// tree, when h is nil, and after Handler. A converter name that no router
// of the tree registers (yet) is not an error here: Handler panics if it is
// still unknown then (see Converter); until it is found the route matches
// no request and Reverse refuses it.
func (r *Router) Handle(pattern string, h http.Handler, name string) {
	r.mustNotBeBuilt(fmt.Sprintf("Handle(%q)", pattern))
	if h == nil {
		panic(fmt.Sprintf("urls: Handle(%q): nil handler", pattern))
	}
	if f, ok := h.(http.HandlerFunc); ok && f == nil {
		panic(fmt.Sprintf("urls: Handle(%q): nil handler", pattern))
	}
	if strings.Contains(name, ":") {
		panic(fmt.Sprintf("urls: Handle(%q): name %q contains ':' (namespaces come from Include)", pattern, name))
	}
	p, err := parsePattern(pattern, r.lookup)
	if err != nil {
		panic(fmt.Sprintf("urls: pattern %q: %v", pattern, err))
	}
	markPending(p.segs, r)
	rt := &route{method: p.method, host: p.host, segs: p.segs, name: name, h: h}
	// Walk up to the root, applying the prefix and namespace of every
	// include on the way.
	for x := r; x.parent != nil; x = x.parent {
		rt = rt.rebase(x.prefix, x.namespace)
	}
	r.root().tree.add(rt)
}

// HandleFunc registers f for pattern under name; see Handle.
func (r *Router) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request), name string) {
	if f == nil {
		panic(fmt.Sprintf("urls: HandleFunc(%q): nil handler", pattern))
	}
	r.Handle(pattern, http.HandlerFunc(f), name)
}

// Include mounts the routes of sub under prefix, in namespace.
//
// prefix is a path starting with "/", with or without a trailing slash
// ("/polls" and "/polls/" are the same prefix); "" or "/" mounts at the
// root. It may contain single-segment wildcards with converters
// ("/users/{uid:int}"), but no {$} or rest wildcard. A sub-route's pattern
// "/{id}/" becomes "/polls/{id}/"; "/{$}" becomes "/polls/{$}", the
// app's index; "/" becomes "/polls/", which matches everything under
// /polls/ that no other route matches.
//
// namespace prefixes the names of sub's routes: "detail" becomes
// "polls:detail", and includes nest ("shop:admin:index"). namespace ""
// leaves names as they are; it must not contain ':'.
//
// Routes already registered on sub move into r's tree at once (that is when
// their conflicts and duplicate names are reported); routes registered on
// sub later go straight to the tree. After Include, sub is part of r's tree
// for Reverse, Resolve and Routes, and its converters still apply to its
// patterns. Routes lists sub's routes where Include was called, and routes
// registered on sub after that at the end; the order is for people,
// matching does not depend on it.
//
// Include panics when sub is nil, is r or one of r's ancestors, was already
// included or built, or when the prefix or namespace is malformed, and
// after Handler.
func (r *Router) Include(prefix, namespace string, sub *Router) {
	r.mustNotBeBuilt(fmt.Sprintf("Include(%q)", prefix))
	switch {
	case sub == nil:
		panic(fmt.Sprintf("urls: Include(%q, %q): nil router", prefix, namespace))
	case sub.parent != nil:
		panic(fmt.Sprintf("urls: Include(%q, %q): router already included under %q", prefix, namespace, sub.prefixStr))
	case sub.tree == nil:
		panic(fmt.Sprintf("urls: Include(%q, %q): zero Router; create routers with urls.New", prefix, namespace))
	case sub.tree.built:
		panic(fmt.Sprintf("urls: Include(%q, %q): router already built with Handler", prefix, namespace))
	case r.root() == sub:
		panic(fmt.Sprintf("urls: Include(%q, %q): a router cannot include itself or its ancestor", prefix, namespace))
	case strings.Contains(namespace, ":"):
		panic(fmt.Sprintf("urls: Include(%q, %q): namespace contains ':' (nest includes instead)", prefix, namespace))
	}
	segs, err := parsePath(prefix, r.lookup, true)
	if err != nil {
		panic(fmt.Sprintf("urls: Include prefix %q: %v", prefix, err))
	}
	markPending(segs, r)
	moved := sub.tree.routes
	sub.tree = nil
	sub.parent, sub.prefix, sub.prefixStr, sub.namespace = r, segs, prefix, namespace
	t := r.root().tree
	for _, rt := range moved {
		rt = rt.rebase(segs, namespace)
		for x := r; x.parent != nil; x = x.parent {
			rt = rt.rebase(x.prefix, x.namespace)
		}
		t.add(rt)
	}
}

// rebase returns a copy of rt one include level up: prefix prepended to its
// path, namespace to its name.
func (rt *route) rebase(prefix []segment, namespace string) *route {
	n := *rt
	if len(prefix) > 0 {
		n.segs = append(slices.Clip(prefix), rt.segs...)
	}
	if namespace != "" {
		if n.name != "" {
			n.name = namespace + ":" + n.name
		}
		if n.namespace != "" {
			n.namespace = namespace + ":" + n.namespace
		} else {
			n.namespace = namespace
		}
	}
	return &n
}

// markPending records r as the router whose converters name the pending
// converters of segs.
func markPending(segs []segment, r *Router) {
	for i := range segs {
		if segs[i].ck == convPending {
			segs[i].from = r
		}
	}
}

// resolve looks up rt's pending converters again, from the routers that
// registered them (now maybe included in others), and reports whether
// none is left.
func (rt *route) resolve() bool {
	if !rt.pending {
		return true
	}
	left := false
	for i := range rt.segs {
		s := &rt.segs[i]
		if s.ck != convPending {
			continue
		}
		if ck, c, ok := s.from.lookup(s.conv); ok {
			s.ck, s.c, s.from = ck, c, nil
			if ck == convPath { // cannot happen: built-ins are found at once
				panic(fmt.Sprintf("urls: pattern %q: converter %q changed kind", rt.pattern, s.conv))
			}
		} else {
			left = true
		}
	}
	rt.pending = left
	return !left
}

// resolvePending retries the pending converters of t's routes.
func (t *tree) resolvePending() {
	for _, rt := range t.routes {
		rt.resolve()
	}
}

// mustResolve panics when a route of t still uses a converter that no
// router of its tree registers.
func (t *tree) mustResolve() {
	for _, rt := range t.routes {
		if rt.resolve() {
			continue
		}
		for _, s := range rt.segs {
			if s.ck == convPending {
				panic(fmt.Sprintf("urls: pattern %q%s: unknown converter %q in \"{%s:%s}\" (register it with Converter on this router or one it is included in)",
					rt.pattern, nameNote(rt.name), s.conv, s.name, s.conv))
			}
		}
	}
}

// add compiles rt and registers it in t's ServeMux.
func (t *tree) add(rt *route) {
	rt.t = t
	rt.compile()
	rt.resolve()
	if rt.name != "" {
		if old, ok := t.names[rt.name]; ok {
			panic(fmt.Sprintf("urls: duplicate route name %q: %q and %q", rt.name, old.pattern, rt.pattern))
		}
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				panic(t.conflictMessage(rt, v))
			}
		}()
		t.mux.Handle(rt.muxPattern, &endpoint{rt: rt})
	}()
	if rt.name != "" {
		t.names[rt.name] = rt
	}
	t.byMux[rt.muxPattern] = rt
	t.routes = append(t.routes, rt)
}

// conflictMessage turns a ServeMux registration panic into one that names
// our patterns.
func (t *tree) conflictMessage(rt *route, v any) string {
	msg := fmt.Sprint(v)
	for mp, other := range t.byMux {
		if strings.Contains(msg, strconv.Quote(mp)) {
			// ServeMux's message names its own patterns and our file as
			// where they were registered; keep only its explanation.
			if _, why, ok := strings.Cut(msg, ":\n"); ok {
				msg = why
			}
			return fmt.Sprintf("urls: pattern %q%s conflicts with pattern %q%s: %s",
				rt.pattern, nameNote(rt.name), other.pattern, nameNote(other.name), msg)
		}
	}
	return fmt.Sprintf("urls: pattern %q%s: %s", rt.pattern, nameNote(rt.name), msg)
}

func nameNote(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" (name %q)", name)
}

// compile derives the display pattern, the ServeMux pattern, the Reverse
// program and the request-time checks from rt's segments.
func (rt *route) compile() {
	rt.prog, rt.params, rt.checks, rt.litSize, rt.pending = nil, nil, nil, 0, false
	var disp, mux strings.Builder
	if rt.method != "" {
		disp.WriteString(rt.method + " ")
		mux.WriteString(rt.method + " ")
	}
	disp.WriteString(rt.host)
	mux.WriteString(rt.host)
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			rt.prog = append(rt.prog, piece{lit: lit.String(), param: -1})
			rt.litSize += lit.Len()
			lit.Reset()
		}
	}
	for i := range rt.segs {
		s := &rt.segs[i]
		s.display(&disp)
		s.muxSegment(&mux)
		switch s.kind {
		case segLit:
			lit.WriteByte('/')
			appendEscaped(&lit, s.lit)
		case segTrailing, segDollar:
			lit.WriteByte('/')
		case segParam, segMulti:
			lit.WriteByte('/')
			flush()
			rt.prog = append(rt.prog, piece{param: len(rt.params)})
			rt.params = append(rt.params, s)
			if s.ck != convStr && s.ck != convRest {
				rt.checks = append(rt.checks, s)
			}
			if s.ck == convPending {
				rt.pending = true
			}
		}
	}
	flush()
	rt.pattern = disp.String()
	rt.muxPattern = mux.String()
}

// public returns rt's description.
func (rt *route) public() Route {
	return Route{Name: rt.name, Pattern: rt.pattern, Namespace: rt.namespace}
}

// Routes returns every route of r's tree in registration order (see
// Include for how included routes are ordered).
func (r *Router) Routes() []Route {
	t := r.root().tree
	out := make([]Route, len(t.routes))
	for i, rt := range t.routes {
		out[i] = rt.public()
	}
	return out
}

// Handler builds and returns the http.Handler that serves r's routes: one
// http.ServeMux in which every route is registered, plus a fallback that
// answers requests no route matches. The first call builds it; later calls
// return the same handler. After it, registration on any router of the
// tree panics.
//
// Requests are dispatched by ServeMux (precedence, path cleaning and
// trailing-slash redirects, r.PathValue). A route whose converters reject
// the request's values answers 404; a path that only matches routes for
// other methods answers 405 with an Allow header (a *respond.HTTPError
// carrying it), as ServeMux would; a path that matches nothing answers
// 404. Those errors are rendered with respond.Error, so
// they look like every other error page; when the request's
// respond.Renderer has Debug set, the 404 page lists the patterns tried
// instead (see NotFoundError).
//
// Handler panics when r has been included in another router (build the
// root) and when a pattern uses a converter that no router of the tree
// registers.
func (r *Router) Handler() http.Handler {
	if r.parent != nil {
		panic(fmt.Sprintf("urls: Handler called on a router included under %q; call it on the root router", r.prefixStr))
	}
	if r.tree == nil {
		panic("urls: Handler called on a zero Router; create routers with urls.New")
	}
	t := r.tree
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.built {
		t.build()
	}
	return t.mux
}

// build checks that every converter is known, registers the fallback and
// freezes the tree.
func (t *tree) build() {
	t.mustResolve()
	seen := map[string]bool{}
	for _, rt := range t.routes {
		if rt.method != "" && !seen[rt.method] {
			seen[rt.method] = true
			t.methods = append(t.methods, rt.method)
		}
	}
	if seen["GET"] && !seen["HEAD"] {
		t.methods = append(t.methods, "HEAD")
	}
	slices.Sort(t.methods)
	// The fallback catches every request no route matches. If the user
	// registered a catch-all of their own ("/" or "/{rest...}"), ServeMux
	// refuses ours as a conflict, and theirs answers instead.
	func() {
		defer func() { _ = recover() }()
		t.mux.Handle(fallbackPattern, &fallback{t: t})
	}()
	t.built = true
}
