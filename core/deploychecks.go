package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/djinn-go/djinn/core/checks"
)

// insecureKeyPrefix starts the development keys that startproject writes;
// check --deploy refuses them in production like Django's
// "django-insecure-" keys.
const insecureKeyPrefix = "djinn-insecure-"

// Minimum length and variety of a strong SECRET_KEY (Django's values).
const (
	secretKeyMinLength      = 50
	secretKeyMinUniqueChars = 5
)

// coreChecks are the project's own system checks (settings problems are
// reported by Setup, see SettingsError.Messages) and the deployment checks (check --deploy), after Django's
// security.W0xx warnings, with the same IDs where they mean the same thing.
func (p *Project) coreChecks() []checks.Check {
	s := &p.settings
	return []checks.Check{
		{Name: "urls", Run: func(context.Context) []checks.Message {
			var msgs []checks.Message
			for _, rt := range p.router.Routes() {
				// Django patterns match whole paths; ServeMux patterns that
				// end in "/" match every path below them. A named route is
				// almost always meant to be exact.
				if rt.Name != "" && rt.Subtree() {
					msgs = append(msgs, checks.Message{Level: checks.Warning, ID: "urls.W001", Object: rt.Pattern,
						Msg:  fmt.Sprintf("route %q ends in a slash, so it also matches every path below it", rt.Name),
						Hint: `End the pattern with "{$}" to match only this path (e.g. "GET /polls/{id:int}/{$}").`})
				}
			}
			return msgs
		}},
		{Name: "deploy", Deploy: true, Run: func(context.Context) []checks.Message {
			return deployMessages(s)
		}},
	}
}

func deployMessages(s *Settings) []checks.Message {
	var msgs []checks.Message
	warn := func(id, msg, hint string) {
		msgs = append(msgs, checks.Message{Level: checks.Warning, ID: id, Msg: msg, Hint: hint, Object: "settings"})
	}
	if s.Debug {
		warn("security.W018", "Debug is on in deployment.", "Unset DEBUG (or set DEBUG=false) in production: error pages would show code, settings and data.")
	}
	if weakSecretKey(string(s.SecretKey)) {
		warn("security.W009", fmt.Sprintf("SecretKey is weak: use at least %d characters with at least %d different ones, not a key generated for development.", secretKeyMinLength, secretKeyMinUniqueChars),
			"Generate one with `openssl rand -base64 48` and set SECRET_KEY in the environment.")
	}
	for i, k := range s.SecretKeyFallbacks {
		if weakSecretKey(string(k)) {
			warn("security.W025", fmt.Sprintf("SecretKeyFallbacks[%d] is weak.", i), "Remove old weak keys once sessions signed with them have expired.")
		}
	}
	if len(s.AllowedHosts) == 0 {
		warn("security.W020", "AllowedHosts is empty: only localhost is served while Debug is on, and the site will not start with Debug off.", "Set ALLOWED_HOSTS to the site's host names, comma-separated.")
	}
	if s.Security.HSTSSeconds == 0 {
		warn("security.W004", "HSTS is off (Security.HSTSSeconds is 0).", "If the site is served only over HTTPS, set DJINN_SECURITY_HSTS_SECONDS (start small, e.g. 3600), then raise it.")
	} else {
		if !s.Security.HSTSIncludeSubdomains {
			warn("security.W005", "HSTS does not include subdomains.", "Set Security.HSTSIncludeSubdomains if every subdomain is HTTPS-only.")
		}
		if !s.Security.HSTSPreload {
			warn("security.W021", "HSTS preload is off.", "Set Security.HSTSPreload to submit the site to browsers' preload lists.")
		}
	}
	if !s.Security.SSLRedirect {
		warn("security.W008", "Plain-HTTP requests are not redirected to HTTPS.", "Set DJINN_SECURITY_SSL_REDIRECT=true, or redirect at the load balancer and silence this check.")
	}
	if !s.Security.SessionCookieSecure {
		warn("security.W012", "The session cookie is not marked Secure.", "Set DJINN_SECURITY_SESSION_COOKIE_SECURE=true so the cookie never travels over plain HTTP.")
	}
	if !s.Security.SessionCookieHTTPOnly {
		warn("security.W013", "The session cookie is readable by JavaScript.", "Set Security.SessionCookieHTTPOnly.")
	}
	if !s.Security.ContentTypeNosniff {
		warn("security.W006", "X-Content-Type-Options: nosniff is not sent.", "Set Security.ContentTypeNosniff.")
	}
	if !strings.EqualFold(s.Security.XFrameOptions, "DENY") {
		warn("security.W019", "X-Frame-Options is not DENY.", "Use DENY unless the site frames its own pages.")
	}
	if s.Security.ReferrerPolicy == "" {
		warn("security.W022", "No Referrer-Policy is sent.", "Set Security.ReferrerPolicy, e.g. same-origin.")
	}
	return msgs
}

func weakSecretKey(k string) bool {
	if strings.HasPrefix(k, insecureKeyPrefix) || len(k) < secretKeyMinLength {
		return true
	}
	seen := map[rune]bool{}
	for _, r := range k {
		seen[r] = true
	}
	return len(seen) < secretKeyMinUniqueChars
}

// Messages returns the problems as system check errors (ID settings.E001),
// so that the check command reports broken settings like any finding.
func (e *SettingsError) Messages() []checks.Message {
	msgs := make([]checks.Message, 0, len(e.Problems))
	for _, pr := range e.Problems {
		msgs = append(msgs, checks.Message{Level: checks.Error, ID: "settings.E001", Object: pr.Setting, Msg: pr.Message})
	}
	return msgs
}
