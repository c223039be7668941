package middleware

import (
	"io"
	"sync"
	"time"
)

// BatchWriter collects small writes (log lines) in memory and passes them
// to the writer beneath in batches, so that a busy server makes one write
// system call per batch instead of one per line, as nginx's access_log
// buffer does. A batch is written when it reaches its size, when its
// oldest line has waited the flush interval, on Flush, and on Close.
//
// Each Write is kept whole and in order. Lines that a crash interrupts
// before their batch is written are lost: that is the price, bounded by
// the interval. AccessLogTo flushes at once after an error-level line, so
// 5xx responses and panics are never held back, and Djinn's project
// flushes and closes its BatchWriter when it closes.
//
// Writes block while a batch is being written, as writes to the file
// beneath would; errors of the writer beneath are dropped, as slog drops
// its handler's. A BatchWriter is safe for concurrent use.
type BatchWriter struct {
	out      io.Writer
	interval time.Duration
	size     int

	mu     sync.Mutex
	buf    []byte
	timer  *time.Timer // flushes when the oldest line is due; armed while buf is not empty
	armed  bool
	closed bool
}

// NewBatchWriter returns a BatchWriter over out that holds a line for at
// most interval and writes once size bytes are pending. interval <= 0 or
// size <= 0 mean every Write goes straight to out.
func NewBatchWriter(out io.Writer, interval time.Duration, size int) *BatchWriter {
	b := &BatchWriter{out: out, interval: interval, size: size}
	if interval <= 0 || size <= 0 {
		b.closed = true
		return b
	}
	b.buf = make([]byte, 0, size+size/4)
	b.timer = time.AfterFunc(time.Hour, func() { _ = b.Flush() })
	b.timer.Stop()
	return b
}

// Write adds p to the pending batch, or writes it through once the writer
// is closed. It always reports len(p), nil unless it wrote through.
func (b *BatchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.out.Write(p)
	}
	b.buf = append(b.buf, p...)
	switch {
	case len(b.buf) >= b.size:
		b.flushLocked()
	case !b.armed:
		b.armed = true
		b.timer.Reset(b.interval)
	}
	return len(p), nil
}

// Flush writes the pending batch now.
func (b *BatchWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return nil
}

// Close flushes the pending batch; later writes go straight through.
func (b *BatchWriter) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.closed = true
	return nil
}

func (b *BatchWriter) flushLocked() {
	if b.armed {
		b.armed = false
		b.timer.Stop()
	}
	if len(b.buf) == 0 {
		return
	}
	_, _ = b.out.Write(b.buf)
	if cap(b.buf) > 4*b.size {
		b.buf = make([]byte, 0, b.size+b.size/4) // one huge line: do not keep its buffer
		return
	}
	b.buf = b.buf[:0]
}
