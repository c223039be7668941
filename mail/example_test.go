package mail_test

import (
	"context"
	"fmt"

	"github.com/djinn-go/djinn/mail"
)

func ExampleSend() {
	outbox := mail.NewOutbox()
	ctx := mail.WithBackend(context.Background(), outbox)
	err := mail.Send(ctx, &mail.Message{
		From:    "Polls <noreply@example.com>",
		To:      []string{"ada@example.com"},
		Bcc:     []string{"audit@example.com"},
		Subject: "Your vote was counted",
		Body:    "Thank you!",
	})
	fmt.Println(err, len(outbox.Messages()))

	err = mail.Send(ctx, &mail.Message{
		From: "noreply@example.com", To: []string{"ada@example.com"},
		Subject: "Hi\r\nBcc: victim@example.com",
	})
	fmt.Println(err)
	// Output:
	// <nil> 1
	// mail: Subject: contains a line break (header injection?)
}

func ExampleNewSMTP() {
	backend := mail.NewSMTP(mail.SMTPConfig{
		Host: "smtp.example.com", Port: 587, StartTLS: true,
		Username: "postmaster", Password: "…",
	})
	_ = backend // backend.Send(ctx, msgs...) sends them over one connection
}
