package djinntest_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/djinn-go/djinn/djinntest"
)

// echoServer answers each line with the same line.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					c.Write([]byte(line))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	_, err = bufio.NewReader(c).ReadString('\n')
	return err
}

func TestProxyCutAndRestore(t *testing.T) {
	p := djinntest.NewProxy(t, echoServer(t))
	if err := roundTrip(p.Addr); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	p.Cut()
	if err := roundTrip(p.Addr); err == nil {
		t.Error("a round trip succeeded through a cut proxy")
	}
	p.Restore()
	if err := roundTrip(p.Addr); err != nil {
		t.Errorf("after Restore: %v", err)
	}
}

func TestClosedAndHungAddr(t *testing.T) {
	if err := roundTrip(djinntest.ClosedAddr(t)); err == nil {
		t.Error("a round trip to ClosedAddr succeeded")
	}
	err := roundTrip(djinntest.HungAddr(t))
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("a round trip to HungAddr: %v; want the client's own timeout", err)
	}
}
