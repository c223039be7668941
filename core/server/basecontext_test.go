package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
)

type baseKey struct{}

// TestBaseContext checks that Config.BaseContext supplies the context
// every request starts from.
func TestBaseContext(t *testing.T) {
	tests := []struct {
		name string
		base func(net.Listener) context.Context
		want string
	}{
		{"custom base context", func(ln net.Listener) context.Context {
			if ln == nil {
				return context.WithValue(context.Background(), baseKey{}, "nil listener")
			}
			return context.WithValue(context.Background(), baseKey{}, "from BaseContext")
		}, "from BaseContext"},
		{"nil uses the default base", nil, "<none>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				v, ok := r.Context().Value(baseKey{}).(string)
				if !ok {
					v = "<none>"
				}
				io.WriteString(w, v)
			})
			r := start(t, Config{BaseContext: tt.base}, h)
			if _, _, body := get(t, newClient(t, nil), "GET", "http://"+r.addr+"/"); body != tt.want {
				t.Errorf("request context value = %q; want %q", body, tt.want)
			}
		})
	}
}
