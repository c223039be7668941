package core

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"

	"github.com/djinn-go/djinn/core/middleware"
	"github.com/djinn-go/djinn/core/respond"
)

// layer is one named middleware of the built stack.
type layer struct {
	name string
	mw   middleware.Middleware
}

// Stack returns the names of the middleware of the built handler, outermost
// first, for the check command and for debugging.
func (p *Project) Stack() []string {
	p.mustBeSetUp("Stack")
	return slices.Clone(p.stack)
}

// buildHandler assembles the default stack of DESIGN.md around the router,
// outermost first:
//
//	proxy headers → base context (error renderer, apps' values) → request id → recover → access log
//	→ allowed hosts → security headers → load shedding → body limit
//	→ request timeout → [StageEarly] → gzip → [StageSession]
//	→ canonical URL (APPEND_SLASH) → CSRF → [StageAuth]
//	→ X-Frame-Options → [StageView] → Settings.Middleware → router
//
// Every middleware is built here, once; a configuration error names the
// setting it comes from.
func (p *Project) buildHandler() (http.Handler, error) {
	s := &p.settings
	var e SettingsError
	var layers []layer
	add := func(name string, mw middleware.Middleware) { layers = append(layers, layer{name, mw}) }
	must := func(setting, name string, mw middleware.Middleware, err error) {
		if err != nil {
			e.add(setting, err.Error())
			return
		}
		add(name, mw)
	}
	appLayers := func(st Stage) {
		for _, a := range p.apps {
			if mp, ok := a.(MiddlewareProvider); ok {
				for _, l := range mp.Middleware() {
					if l.Stage == st {
						add(a.Label()+"."+l.Name, l.Wrap)
					}
				}
			}
		}
	}

	p.renderer = &respond.Renderer{
		Debug:     s.Debug,
		Logger:    p.logger,
		Settings:  s,
		RequestID: middleware.RequestIDFrom,
	}
	// Proxy headers come first so that every later layer (and the access
	// log) sees the client's address and scheme.
	if len(s.Server.TrustedProxies) > 0 {
		prefixes := make([]netip.Prefix, 0, len(s.Server.TrustedProxies))
		for _, tp := range s.Server.TrustedProxies {
			pr, err := ParsePrefix(tp)
			if err != nil {
				e.add("Server.TrustedProxies", err.Error())
				continue
			}
			prefixes = append(prefixes, pr)
		}
		mw, err := middleware.ProxyHeaders(middleware.ProxyConfig{Trusted: prefixes, TrustForwardedHost: s.Server.TrustForwardedHost})
		must("Server.TrustedProxies", "proxy_headers", mw, err)
	}
	// The gateway server puts the renderer and the apps' shared values in
	// every request's base context once (see BaseContext); the layer then
	// costs one context lookup, and handlers served another way
	// (httptest) get them here.
	add("base_context", p.baseContextLayer)
	// The request id sits outside recover so that panic pages and their
	// log lines carry it. Incoming ids are not trusted: the middleware
	// cannot tell a proxy's header from a client's, and a client must not
	// choose the id its requests are logged under.
	mw, err := middleware.RequestID(middleware.RequestIDConfig{})
	must("Server", "request_id", mw, err)
	add("recover", middleware.Recover)
	if s.Logging.AccessLog {
		add("access_log", p.accessLog())
	}
	// Hosts are checked before the security headers so that the HTTPS
	// redirect only ever uses a checked host.
	mw, err = middleware.AllowedHosts(s.AllowedHosts, s.Debug)
	must("AllowedHosts", "allowed_hosts", mw, err)
	mw, err = middleware.SecurityHeaders(middleware.SecurityConfig{
		ContentTypeNosniff:      s.Security.ContentTypeNosniff,
		ReferrerPolicy:          s.Security.ReferrerPolicy,
		CrossOriginOpenerPolicy: s.Security.CrossOriginOpenerPolicy,
		HSTSSeconds:             s.Security.HSTSSeconds,
		HSTSIncludeSubdomains:   s.Security.HSTSIncludeSubdomains,
		HSTSPreload:             s.Security.HSTSPreload,
		SSLRedirect:             s.Security.SSLRedirect,
		SSLHost:                 s.Security.SSLHost,
		SSLRedirectExempt:       s.Security.SSLRedirectExempt,
	})
	must("Security", "security_headers", mw, err)
	if s.Server.MaxInFlight > 0 {
		add("load_shedding", middleware.LoadShedding(s.Server.MaxInFlight, s.Server.RetryAfter))
	}
	if s.Server.MaxBodyBytes > 0 {
		add("body_limit", middleware.BodyLimit(s.Server.MaxBodyBytes))
	}
	if s.Server.RequestTimeout > 0 {
		add("timeout", middleware.Timeout(s.Server.RequestTimeout))
	}
	appLayers(StageEarly)
	if s.Server.GZip {
		mw, err = middleware.GZip(middleware.GZipConfig{})
		must("Server.GZip", "gzip", mw, err)
	}
	appLayers(StageSession)
	if s.AppendSlash || s.PrependWWW {
		mw, err = middleware.CanonicalURL(middleware.CanonicalConfig{
			AppendSlash: s.AppendSlash,
			PrependWWW:  s.PrependWWW,
			Resolver:    p.router,
		})
		must("AppendSlash", "common", mw, err)
	}
	mw, err = middleware.CSRF(middleware.CSRFConfig{TrustedOrigins: s.Security.CSRFTrustedOrigins})
	must("Security.CSRFTrustedOrigins", "csrf", mw, err)
	appLayers(StageAuth)
	mw, err = middleware.XFrameOptions(s.Security.XFrameOptions)
	must("Security.XFrameOptions", "x_frame_options", mw, err)
	appLayers(StageView)
	for i, m := range s.Middleware {
		if m == nil {
			e.add(fmt.Sprintf("Middleware[%d]", i), "is nil")
			continue
		}
		add(fmt.Sprintf("project[%d]", i), m)
	}
	if len(e.Problems) > 0 {
		return nil, &e
	}

	h := p.router.Handler()
	for _, l := range slices.Backward(layers) {
		h = l.mw(h)
	}
	p.stack = make([]string, 0, len(layers)+1)
	for _, l := range layers {
		p.stack = append(p.stack, l.name)
	}
	p.stack = append(p.stack, "router")
	return h, nil
}

// accessBatchSize is the size at which batched access log lines are
// written (Logging.AccessLogFlush).
const accessBatchSize = 32 << 10

// accessLog returns the access log middleware. With the logger newLogger
// builds (p.ownLog: slog's text or JSON handler, only the level set),
// lines are formatted by the middleware itself, byte for byte as the
// handler would format them, into the same writer, for about half the
// cost, and with DEBUG off written in batches (Logging.AccessLogFlush); a
// handler of the settings' own goes through slog.
func (p *Project) accessLog() middleware.Middleware {
	if own := p.ownLog; own != nil {
		w := own.w
		if s := &p.settings; !s.Debug && s.Logging.AccessLogFlush > 0 {
			p.accessOut = middleware.NewBatchWriter(own.w, s.Logging.AccessLogFlush, accessBatchSize)
			w = p.accessOut
		}
		return middleware.AccessLogTo(w, own.json, own.level, slog.LevelInfo)
	}
	return middleware.AccessLog(p.logger, slog.LevelInfo)
}

// BaseContext returns ctx carrying what every request of the project
// shares (the error Renderer and the values of the apps that are
// ContextProviders), for http.Server.BaseContext: a server that uses it
// saves the per-request cost of adding them.
func (p *Project) BaseContext(ctx context.Context) context.Context {
	p.mustBeSetUp("BaseContext")
	return p.baseContext(ctx)
}

type baseKey struct{}

func (p *Project) baseContext(ctx context.Context) context.Context {
	ctx = respond.WithRenderer(ctx, p.renderer)
	for _, a := range p.apps {
		if cp, ok := a.(ContextProvider); ok {
			ctx = cp.BaseContext(ctx)
		}
	}
	return context.WithValue(ctx, baseKey{}, p)
}

// baseContextLayer adds the base context's values to requests that do not
// come with them.
func (p *Project) baseContextLayer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(baseKey{}) != p {
			r = r.WithContext(p.baseContext(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}
