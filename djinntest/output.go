package djinntest

import (
	"bytes"
	"sync"
)

// Output collects what a process a test starts writes: point both
// cmd.Stdout and cmd.Stderr at one Output and read it with String while
// the process runs. Unlike a bare bytes.Buffer it is safe for concurrent
// use (exec copies each pipe on a goroutine of its own). The zero value is
// ready to use.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p; it never fails.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// WriteString appends s; it never fails.
func (o *Output) WriteString(s string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.WriteString(s)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
