package server

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestErrorLogWriter(t *testing.T) {
	tests := []struct {
		name string
		line string
		want map[string]any
	}{
		{
			name: "TLS handshake error",
			line: "http: TLS handshake error from 203.0.113.9:51234: tls: client offered only unsupported versions: [302 301]\n",
			want: map[string]any{"level": "INFO", "msg": "tls handshake error", "remote_addr": "203.0.113.9:51234", "error": "tls: client offered only unsupported versions: [302 301]"},
		},
		{
			name: "panic",
			line: "http: panic serving 127.0.0.1:4000: boom: with colon\ngoroutine 7 [running]:\nmain.f()\n",
			want: map[string]any{"level": "ERROR", "msg": "panic serving request", "remote_addr": "127.0.0.1:4000", "panic": "boom: with colon", "stack": "goroutine 7 [running]:\nmain.f()"},
		},
		{
			name: "accept error",
			line: "http: Accept error: accept tcp [::]:8000: accept4: too many open files; retrying in 5ms\n",
			want: map[string]any{"level": "WARN", "msg": "accept error", "error": "accept tcp [::]:8000: accept4: too many open files; retrying in 5ms"},
		},
		{
			name: "anything else",
			line: "http: superfluous response.WriteHeader call from main.h (main.go:12)\n",
			want: map[string]any{"level": "WARN", "msg": "http: superfluous response.WriteHeader call from main.h (main.go:12)", "source": "net/http"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newTestLogger()
			newErrorLog(logger).Print(tt.line)
			recs := logs.Records(t)
			if len(recs) != 1 {
				t.Fatalf("Print(%q) logged %d records; want 1", tt.line, len(recs))
			}
			delete(recs[0], "time")
			if diff := cmp.Diff(tt.want, recs[0]); diff != "" {
				t.Errorf("Print(%q) record mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestLimitListenerCloseUnblocksAccept(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger, _ := newTestLogger()
	ln := newLimitListener(inner, 1, logger)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	held, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	accepted := make(chan error, 1)
	go func() { // blocks: the only slot is held
		c, err := ln.Accept()
		if c != nil {
			c.Close()
		}
		accepted <- err
	}()
	ln.Close()
	select {
	case err := <-accepted:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close = %v; want net.ErrClosed", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Accept still blocked after Close")
	}
	// Closing a connection twice gives its slot back once.
	held.Close()
	held.Close()
	if n := len(ln.sem); n != 0 {
		t.Errorf("slots in use after closing the only connection twice = %d; want 0", n)
	}
}
