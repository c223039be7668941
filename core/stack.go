package core

import (
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
//	error renderer → recover → proxy headers → request id → access log
//	→ security headers → allowed hosts → load shedding → [StageEarly]
//	→ request timeout → body limit → gzip → [StageSession] → common
//	→ CSRF → [StageAuth] → X-Frame-Options → [StageView]
//	→ Settings.Middleware → router
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

	renderer := &respond.Renderer{
		Debug:     s.Debug,
		Logger:    p.logger,
		Settings:  s,
		RequestID: middleware.RequestIDFrom,
	}
	add("renderer", renderer.Middleware)
	add("recover", middleware.Recover)
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
		mw, err := middleware.ProxyHeaders(middleware.ProxyConfig{Trusted: prefixes})
		must("Server.TrustedProxies", "proxy_headers", mw, err)
	}
	// Behind trusted proxies, keep the request id the edge assigned so that
	// one id follows the request through every hop.
	mw, err := middleware.RequestID(middleware.RequestIDConfig{TrustIncoming: len(s.Server.TrustedProxies) > 0})
	must("Server.TrustedProxies", "request_id", mw, err)
	if s.Logging.AccessLog {
		add("access_log", middleware.AccessLog(p.logger, slog.LevelInfo))
	}
	mw, err = middleware.SecurityHeaders(middleware.SecurityConfig{
		ContentTypeNosniff:      s.Security.ContentTypeNosniff,
		ReferrerPolicy:          s.Security.ReferrerPolicy,
		CrossOriginOpenerPolicy: s.Security.CrossOriginOpenerPolicy,
		HSTSSeconds:             s.Security.HSTSSeconds,
		HSTSIncludeSubdomains:   s.Security.HSTSIncludeSubdomains,
		HSTSPreload:             s.Security.HSTSPreload,
		SSLRedirect:             s.Security.SSLRedirect,
	})
	must("Security", "security_headers", mw, err)
	mw, err = middleware.AllowedHosts(s.AllowedHosts, s.Debug)
	must("AllowedHosts", "allowed_hosts", mw, err)
	if s.Server.MaxInFlight > 0 {
		add("load_shedding", middleware.LoadShedding(s.Server.MaxInFlight, s.Server.RetryAfter))
	}
	appLayers(StageEarly)
	if s.Server.RequestTimeout > 0 {
		add("timeout", middleware.Timeout(s.Server.RequestTimeout))
	}
	if s.Server.MaxBodyBytes > 0 {
		add("body_limit", middleware.BodyLimit(s.Server.MaxBodyBytes))
	}
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
