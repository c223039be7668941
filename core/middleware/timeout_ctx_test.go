package middleware

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// waitClosed fails the test unless ch closes within 10 seconds.
func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never closed", what)
	}
}

func (c *deadlineCtx) materialized() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real != nil
}

type ctxKey struct{}

func TestDeadlineCtxErrWithoutDone(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration // from now
		want     error
	}{
		{"before the deadline", time.Hour, nil},
		{"after the deadline", -time.Second, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newDeadlineCtx(context.Background(), time.Now().Add(tt.deadline))
			if err := c.Err(); err != tt.want {
				t.Errorf("Err() = %v; want %v", err, tt.want)
			}
			if c.materialized() {
				t.Error("Err() made the real context; want it lazy")
			}
		})
	}
}

func TestDeadlineCtxDoneAtDeadline(t *testing.T) {
	c := newDeadlineCtx(context.Background(), time.Now().Add(10*time.Millisecond))
	defer c.stop()
	waitClosed(t, "Done()", c.Done())
	if err := c.Err(); err != context.DeadlineExceeded {
		t.Errorf("Err() after Done = %v; want %v", err, context.DeadlineExceeded)
	}
	if err := context.Cause(c); err != context.DeadlineExceeded {
		t.Errorf("context.Cause() after Done = %v; want %v", err, context.DeadlineExceeded)
	}
}

// TestDeadlineCtxCauseWithoutDone checks that context.Cause reports c's
// own deadline, not the cause of a cancellable parent that is still live.
func TestDeadlineCtxCauseWithoutDone(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newDeadlineCtx(parent, time.Now().Add(-time.Second))
	if err := context.Cause(c); err != context.DeadlineExceeded {
		t.Errorf("context.Cause() past the deadline = %v; want %v", err, context.DeadlineExceeded)
	}
}

func TestDeadlineCtxParent(t *testing.T) {
	parentDeadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), ctxKey{}, "v"), parentDeadline)
	defer cancel()
	tests := []struct {
		name     string
		deadline time.Time
		want     time.Time
	}{
		{"ours is earlier", parentDeadline.Add(-time.Minute), parentDeadline.Add(-time.Minute)},
		{"parent's is earlier", parentDeadline.Add(time.Minute), parentDeadline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newDeadlineCtx(parent, tt.deadline)
			if got, ok := c.Deadline(); !ok || !got.Equal(tt.want) {
				t.Errorf("Deadline() = %v, %v; want %v, true", got, ok, tt.want)
			}
			if got := c.Value(ctxKey{}); got != "v" {
				t.Errorf("Value(ctxKey{}) = %v; want the parent's %q", got, "v")
			}
		})
	}
}

func TestDeadlineCtxParentCancel(t *testing.T) {
	for _, done := range []bool{false, true} {
		name := map[bool]string{false: "not materialized", true: "materialized"}[done]
		t.Run(name, func(t *testing.T) {
			parent, cancel := context.WithCancel(context.Background())
			c := newDeadlineCtx(parent, time.Now().Add(time.Hour))
			defer c.stop()
			if done {
				c.Done()
			}
			cancel()
			if done {
				waitClosed(t, "Done()", c.Done())
			}
			if err := c.Err(); err != context.Canceled {
				t.Errorf("Err() after the parent is cancelled = %v; want %v", err, context.Canceled)
			}
			waitClosed(t, "Done()", c.Done())
		})
	}
}

// TestDeadlineCtxChildren checks that context.WithCancel children are
// cancelled at the deadline and cost no goroutine each.
func TestDeadlineCtxChildren(t *testing.T) {
	const children = 100
	c := newDeadlineCtx(context.Background(), time.Now().Add(20*time.Millisecond))
	defer c.stop()
	before := runtime.NumGoroutine()
	var kids []context.Context
	for range children {
		kid, cancel := context.WithCancel(c)
		defer cancel()
		kids = append(kids, kid)
	}
	if got := runtime.NumGoroutine(); got > before+5 {
		t.Errorf("goroutines after %d context.WithCancel children = %d; want at most %d", children, got, before+5)
	}
	for i, kid := range kids {
		waitClosed(t, "child Done()", kid.Done())
		if err := kid.Err(); err != context.DeadlineExceeded {
			t.Fatalf("child %d Err() = %v; want %v", i, err, context.DeadlineExceeded)
		}
	}
}

func TestDeadlineCtxStop(t *testing.T) {
	tests := []struct {
		name        string
		deadline    time.Duration
		materialize bool
		want        error
	}{
		{"stopped early", time.Hour, false, context.Canceled},
		{"stopped early after Done", time.Hour, true, context.Canceled},
		{"stopped after the deadline", -time.Second, false, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newDeadlineCtx(context.Background(), time.Now().Add(tt.deadline))
			if tt.materialize {
				c.Done()
			}
			c.stop()
			if err := c.Err(); err != tt.want {
				t.Errorf("Err() after stop = %v; want %v", err, tt.want)
			}
			waitClosed(t, "Done() after stop", c.Done())
			if err := c.Err(); err != tt.want {
				t.Errorf("Err() after stop and Done = %v; want %v", err, tt.want)
			}
		})
	}
}

// TestDeadlineCtxConcurrent uses c from many goroutines while it is
// stopped; run it with -race.
func TestDeadlineCtxConcurrent(t *testing.T) {
	c := newDeadlineCtx(context.Background(), time.Now().Add(5*time.Millisecond))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				<-c.Done()
			case 1:
				for c.Err() == nil {
					runtime.Gosched()
				}
			case 2:
				kid, cancel := context.WithCancel(c)
				<-kid.Done()
				cancel()
			case 3:
				fired := make(chan struct{})
				context.AfterFunc(c, func() { close(fired) })
				<-fired
			}
		})
	}
	wg.Wait()
	c.stop()
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err() = %v; want %v", err, context.DeadlineExceeded)
	}
}

// TestDeadlineCtxChildAllocs checks that a child of a materialized
// context joins the real context's list of children, as children of
// package context's own contexts do, rather than through an AfterFunc
// registration that costs three more allocations per child.
func TestDeadlineCtxChildAllocs(t *testing.T) {
	c := newDeadlineCtx(context.Background(), time.Now().Add(time.Hour))
	defer c.stop()
	c.Done()
	allocs := testing.AllocsPerRun(100, func() {
		_, cancel := context.WithCancel(c)
		cancel()
	})
	if allocs > 2 {
		t.Errorf("context.WithCancel of a materialized context: %v allocations; want at most 2, as for a context.WithDeadline parent", allocs)
	}
}

// TestDeadlineCtxDoneAfterStop checks that a context stopped before its
// deadline stays Canceled when Done is first asked for after the deadline
// has passed.
func TestDeadlineCtxDoneAfterStop(t *testing.T) {
	c := newDeadlineCtx(context.Background(), time.Now().Add(5*time.Millisecond))
	c.stop()
	time.Sleep(10 * time.Millisecond)
	waitClosed(t, "Done()", c.Done())
	if err := c.Err(); err != context.Canceled {
		t.Errorf("Err() after a late Done = %v; want %v, as at stop", err, context.Canceled)
	}
}
