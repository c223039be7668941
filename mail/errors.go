package mail

import "fmt"

// MessageError wraps the error of one message of a batch: which one
// (0-based Index, and its Subject) failed. Messages before it were sent
// (by the SMTP backend) or none was (when the batch failed validation).
type MessageError struct {
	Index   int
	Subject string
	Err     error
}

func (e *MessageError) Error() string {
	return fmt.Sprintf("message %d (%q): %v", e.Index+1, e.Subject, e.Err)
}

// Unwrap returns the message's error.
func (e *MessageError) Unwrap() error { return e.Err }
