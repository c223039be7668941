package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/djinn-go/djinn/core/server"
)

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, body)
}

func ExampleNew() {
	_, err := server.New(server.Config{Addr: "localhost"}, http.NotFoundHandler(), nil)
	fmt.Println(err)
	// Output: server: Config.Addr: "localhost" is not host:port, :port or unix:/path
}

// Run serves until its context is done (or SIGINT/SIGTERM in a real
// program), then shuts down gracefully and returns nil.
func ExampleServer_Run() {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from the app")
	})
	srv, err := server.New(server.Config{
		Addr:      "127.0.0.1:0", // any free port; Addr reports it
		NoSignals: true,          // leave signals alone in this example
	}, app, nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	<-srv.Listening()

	base := "http://" + srv.Addr().String()
	fmt.Println(get(base + "/"))
	fmt.Print(get(base + "/healthz"))

	stop()
	fmt.Println("Run returned:", <-done)
	// Output:
	// 200 hello from the app
	// 200 ok
	// Run returned: <nil>
}

// Serve runs on a listener the caller opened, for example one inherited
// from a supervisor.
func ExampleServer_Serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := server.New(server.Config{NoSignals: true}, http.NotFoundHandler(), nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	<-srv.Listening()
	fmt.Print(get("http://" + ln.Addr().String() + "/healthz"))
	stop()
	fmt.Println("Serve returned:", <-done)
	// Output:
	// 200 ok
	// Serve returned: <nil>
}

// The gateway handler can be exercised without a socket.
func ExampleServer_Handler() {
	srv, err := server.New(server.Config{
		ReadyProbes: []server.Probe{
			{Name: "db", Check: func(ctx context.Context) error { return nil }},
		},
	}, http.NotFoundHandler(), nil)
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 200 {"status":"ok","checks":[{"name":"db","status":"ok","duration_ms":0}]}
}

// A failing probe turns /readyz into 503; the error text goes to the log,
// not to the client.
func ExampleProbe() {
	srv, err := server.New(server.Config{
		ReadyProbes: []server.Probe{
			{Name: "db", Check: func(ctx context.Context) error { return nil }},
			{Name: "cache", Check: func(ctx context.Context) error { return errors.New("dial tcp 10.0.0.7:6379: refused") }},
		},
	}, http.NotFoundHandler(), nil)
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 503 {"status":"unavailable","checks":[{"name":"db","status":"ok","duration_ms":0},{"name":"cache","status":"failed","duration_ms":0}]}
}

// When requests outlast ShutdownTimeout, Run cuts them and says how many.
func ExampleShutdownError() {
	stuck := make(chan struct{})
	defer close(stuck)
	entered := make(chan struct{})
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	})
	srv, err := server.New(server.Config{
		Addr:            "127.0.0.1:0",
		NoSignals:       true,
		ShutdownTimeout: 100 * time.Millisecond,
	}, app, nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	<-srv.Listening()
	go get("http://" + srv.Addr().String() + "/report")
	<-entered
	stop()

	err = <-done
	var se *server.ShutdownError
	if errors.As(err, &se) {
		fmt.Println("cut:", se.Cut)
	}
	fmt.Println(err)
	// Output:
	// cut: 1
	// server: shutdown: 100ms timeout exceeded; cut 1 connection
}

// A streaming view ends its stream when shutdown begins, so that the
// shutdown stays clean.
func ExampleServer_Stopping() {
	var srv *server.Server
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: hello\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-srv.Stopping():
			io.WriteString(w, "event: bye\ndata: server restarting\n\n")
		case <-r.Context().Done():
		}
	})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", NoSignals: true}, events, nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	<-srv.Listening()

	resp, err := http.Get("http://" + srv.Addr().String() + "/events")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, len("data: hello\n\n"))
	io.ReadFull(resp.Body, first)
	stop()
	rest, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s%s", first, rest)
	fmt.Println("Run returned:", <-done)
	// Output:
	// data: hello
	//
	// event: bye
	// data: server restarting
	//
	// Run returned: <nil>
}
