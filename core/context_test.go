package core_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/urls"
)

type engineKey struct{}

// engineApp shares a value with every request through the base context.
type engineApp struct{ urlApp }

func (*engineApp) BaseContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, engineKey{}, "the engine")
}

func TestContextProvider(t *testing.T) {
	a := &engineApp{urlApp{app: app{label: "pages", urls: func(r *urls.Router) {
		r.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			v, _ := r.Context().Value(engineKey{}).(string)
			io.WriteString(w, v)
		}, "home")
	}}}}
	s := testSettings(a)
	s.URLs = func(r *urls.Router) { r.Include("/", "pages", urls.Of(a)) }
	p := core.New(s)
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Served without the base context (httptest): the stack adds it.
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/", nil))
	if got := rec.Body.String(); got != "the engine" {
		t.Errorf("without the base context: body %q; want the app's value", got)
	}
	// Served with it (the gateway server's BaseContext): the value is there.
	req := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	req = req.WithContext(p.BaseContext(context.Background()))
	rec = httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, req)
	if got := rec.Body.String(); got != "the engine" {
		t.Errorf("with the base context: body %q; want the app's value", got)
	}
}

func TestAppAs(t *testing.T) {
	a := &app{label: "pages"}
	p := core.New(testSettings(a))
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, err := core.AppAs[*app](p, "pages", "pages.New()")
	if err != nil || got != a {
		t.Errorf("AppAs = %v, %v; want the app", got, err)
	}
	if _, err := core.AppAs[*app](p, "nope", "nope.New()"); err == nil || err.Error() != `nope: the project has no "nope" app in InstalledApps (add nope.New())` {
		t.Errorf("AppAs of a missing app: %v", err)
	}
	if _, err := core.AppAs[*engineApp](p, "pages", "engine.New()"); err == nil || !strings.Contains(err.Error(), `the app labelled "pages" is a *core_test.app, not the *core_test.engineApp that engine.New() returns`) {
		t.Errorf("AppAs of another type: %v", err)
	}
}
