package templates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/djinn-go/djinn/cache"
)

// FuncProvider is an App that adds functions to every template (the
// static app's "static", which knows the hashed names). TemplateFuncs is
// called once, when the engine is built; the functions must be safe for
// concurrent use. An app's functions override the built-in ones, and an
// earlier app's override a later one's.
type FuncProvider interface {
	TemplateFuncs() template.FuncMap
}

// builtinFuncs returns the functions every template has: url, static,
// csrf_field, cached and the filters (filters.go).
func (e *Engine) builtinFuncs() template.FuncMap {
	m := filterFuncs()
	m["url"] = e.url
	m["static"] = e.static
	m["csrf_field"] = csrfField
	m["cached"] = e.cached
	return m
}

// url is `url "polls:detail" .ID`: the path of a named route.
func (e *Engine) url(name string, args ...any) (string, error) {
	if e.cfg.Reverse == nil {
		return "", errors.New("templates: url " + name + ": the engine has no URL resolver (Config.Reverse)")
	}
	return e.cfg.Reverse(name, args...)
}

// static is `static "polls/style.css"`: the URL of a static file, the
// fallback used without the static app (which replaces it with one that
// knows hashed names).
func (e *Engine) static(name string) string {
	return e.cfg.StaticURL + strings.TrimLeft(name, "/")
}

// csrfField is `csrf_field`. Djinn's CSRF protection
// (http.CrossOriginProtection) checks the request's origin and needs no
// token, so the field is empty; the function exists so that forms written
// the Django way keep working.
func csrfField() template.HTML { return "" }

// cached is `cached "key" ttlSeconds "partials/sidebar.html" .`: the HTML
// of the named template rendered with dot, from the request's cache
// (cache.FromContext) when it is there, else rendered and stored for ttl
// seconds (0 is the cache's default TTL, negative is forever). dot must
// be the page's *Context (`.` at the top of a template, `$` inside range
// or with) for the cache to be found; without a cache the fragment is
// rendered every time.
func (e *Engine) cached(key string, ttlSeconds any, name string, dot any) (template.HTML, error) {
	ttl, ok := toInt(ttlSeconds)
	if !ok {
		return "", fmt.Errorf("cached %q: the TTL %v is not a number of seconds", key, ttlSeconds)
	}
	c, ok := dot.(*Context)
	if !ok {
		c = &Context{Data: dot}
	}
	render := func(context.Context) ([]byte, error) {
		var buf bytes.Buffer
		if err := e.execute(&buf, name, c); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	var ch cache.Cache
	ctx := context.Background()
	if c.Request != nil {
		ctx = c.Request.Context()
		ch = cache.FromContext(ctx)
	}
	if ch == nil {
		b, err := render(ctx)
		return template.HTML(b), err
	}
	d := time.Duration(ttl) * time.Second
	if ttl < 0 {
		d = cache.Forever
	}
	b, err := ch.GetOrSet(ctx, fragmentKey(key), d, render)
	return template.HTML(b), err
}

// fragmentKey is the cache key of a fragment: readable when it can be,
// hashed when the template's key has spaces or is too long.
func fragmentKey(key string) string {
	k := "template.fragment:" + key
	if cache.ValidateKey(k) != nil {
		return cache.HashKey("template.fragment", key)
	}
	return k
}
