package command_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/core/urls"
)

// TestRunserverServes starts runserver on a free loopback port, requests a
// view through the whole stack and stops it by cancelling the context, as
// SIGINT does.
func TestRunserverServes(t *testing.T) {
	p := project()
	p.Settings().URLs = func(r *urls.Router) {
		r.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "home") }, "home")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- command.Run(ctx, p, command.Stdio{Out: pw, Err: io.Discard}, "runserver", "127.0.0.1:0")
		pw.Close()
	}()

	var url string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := regexp.MustCompile(`at (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		t.Fatal("runserver printed no address")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "home" {
		t.Errorf("GET %s = %d %q; want 200 home", url, resp.StatusCode, body)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("response lacks the middleware stack's headers: %v", resp.Header)
	}
	health, err := http.Get(strings.TrimSuffix(url, "/") + "/healthz")
	if err != nil || health.StatusCode != 200 {
		t.Errorf("GET /healthz = %v, %v; want 200", health, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("runserver exit status after shutdown = %d; want 0", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("runserver did not stop after its context was cancelled")
	}
}
