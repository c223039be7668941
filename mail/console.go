package mail

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Console is the backend that writes each message, in full RFC 5322 form,
// to a writer instead of sending it (Django's console backend), followed
// by a line of dashes. It is the default backend when Debug is on. It is
// safe for concurrent use: messages are written whole, one at a time.
type Console struct {
	mu sync.Mutex
	w  io.Writer
}

// NewConsole returns a console backend writing to w; nil means os.Stderr.
func NewConsole(w io.Writer) *Console {
	if w == nil {
		w = os.Stderr
	}
	return &Console{w: w}
}

var separator = strings.Repeat("-", 79) + "\n"

// Send writes msgs. Line ends are written as "\n" for reading.
func (c *Console) Send(_ context.Context, msgs ...*Message) error {
	bs, err := buildAll(msgs)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range bs {
		text := strings.ReplaceAll(string(b.data), "\r\n", "\n")
		if _, err := io.WriteString(c.w, text+"\n"+separator); err != nil {
			return fmt.Errorf("mail: console backend: %w", err)
		}
	}
	return nil
}
