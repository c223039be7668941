package middleware

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/djinn-go/djinn/core/respond"
)

// CSRFConfig configures CSRF. The zero value trusts no other origin and
// exempts no path.
type CSRFConfig struct {
	// TrustedOrigins may send unsafe cross-origin requests: exact origins,
	// "scheme://host[:port]" (Django's CSRF_TRUSTED_ORIGINS without
	// wildcards).
	TrustedOrigins []string
	// InsecureBypassPatterns are http.ServeMux patterns ("POST /webhooks/")
	// whose requests skip the check. Requests that ServeMux would only
	// redirect to a pattern are not exempt.
	InsecureBypassPatterns []string
}

// CSRF returns a Middleware that rejects cross-site request forgery with
// http.CrossOriginProtection: unsafe requests (any method but GET, HEAD and
// OPTIONS) that a browser marks cross-site with Sec-Fetch-Site, or whose
// Origin does not match Host, get 403 Forbidden through respond.Error,
// unless their Origin is trusted or their path bypassed. Requests without
// either header (non-browser clients, same-origin requests of old browsers)
// pass. No token and no cookie are involved.
//
// The rejection's public message is Django's "CSRF verification failed.
// Request aborted." with the short reason "cross-origin request denied"; its
// cause, the reason CrossOriginProtection.Check gave, is logged and shown
// on the DEBUG page. (Check is what CrossOriginProtection.Handler runs
// before its deny handler; calling it here keeps that reason, which a deny
// handler set with SetDenyHandler does not receive.)
//
// CSRF reports an error for an invalid trusted origin (one with a path, no
// scheme, or a "*" wildcard) and for an invalid or conflicting bypass
// pattern. The middleware is safe for concurrent use and costs no
// allocation for accepted requests.
func CSRF(cfg CSRFConfig) (mw Middleware, err error) {
	c := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if strings.Contains(o, "*") {
			return nil, fmt.Errorf("middleware: csrf: trusted origin %q: wildcards are not supported, list each origin", o)
		}
		if err := c.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("middleware: csrf: %w", err)
		}
	}
	defer func() {
		// AddInsecureBypassPattern panics on bad patterns, like ServeMux.Handle.
		if v := recover(); v != nil {
			mw, err = nil, fmt.Errorf("middleware: csrf: bypass pattern: %v", v)
		}
	}()
	for _, p := range cfg.InsecureBypassPatterns {
		c.AddInsecureBypassPattern(p)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := c.Check(r); err != nil {
				respond.Error(w, r, &respond.HTTPError{
					Status:  http.StatusForbidden,
					Message: "CSRF verification failed. Request aborted: cross-origin request denied.",
					Err:     err,
				})
				return
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}
