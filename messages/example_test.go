package messages_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/sessions"
)

func ExampleSuccess() {
	store, err := sessions.NewCookieStore(sessions.Config{SecretKey: "example-secret-key-0123456789abcdef"})
	if err != nil {
		panic(err)
	}
	view := func(w http.ResponseWriter, r *http.Request) {
		if err := messages.Success(r, "Your vote was counted."); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_ = messages.Debug(r, "dropped: below the default minimum level, Info")
		list, _ := messages.Get(r) // consumes; a template uses .Vars.messages.All
		for _, m := range list {
			fmt.Printf("%s: %s\n", m.Tags, m)
		}
	}
	sessions.Middleware(store, sessions.Options{})(http.HandlerFunc(view)).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/vote/", nil))
	// Output:
	// success: Your vote was counted.
}
