package mail

import (
	"context"
	"sync"
)

// Outbox is the in-memory backend for tests (Django's locmem backend and
// mail.outbox): Send validates the messages like the other backends and
// keeps copies of them. Its zero value is an empty outbox ready to use;
// it is safe for concurrent use.
type Outbox struct {
	mu   sync.Mutex
	msgs []*Message
}

// NewOutbox returns an empty outbox.
func NewOutbox() *Outbox { return &Outbox{} }

// Send keeps copies of msgs, or none when one is invalid.
func (o *Outbox) Send(_ context.Context, msgs ...*Message) error {
	if _, err := buildAll(msgs); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range msgs {
		o.msgs = append(o.msgs, m.clone())
	}
	return nil
}

// Messages returns copies of the messages sent so far, oldest first.
func (o *Outbox) Messages() []*Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*Message, len(o.msgs))
	for i, m := range o.msgs {
		out[i] = m.clone()
	}
	return out
}

// Reset empties the outbox.
func (o *Outbox) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = nil
}
