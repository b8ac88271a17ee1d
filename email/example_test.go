package email_test

import (
	"context"
	"log"
	"os"
	"os/signal"

	"github.com/redis/go-redis/v9"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/email"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// A sender of the email of new messages: the notifications come from the
// store's outbox, the audio from Asterisk's stored recordings, the mail goes
// through a relay with STARTTLS and AUTH. Every instance may run one.
func ExampleNew() {
	store, err := state.New(state.Config{}, redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}))
	if err != nil {
		log.Fatal(err)
	}
	client, err := ari.New(ari.Config{URL: "http://127.0.0.1:8088/ari", Username: "voicemail", Password: "secret"})
	if err != nil {
		log.Fatal(err)
	}
	mailer, err := email.New(email.Config{
		From:   "voicemail@example.com",
		Attach: email.AttachMP3,
		SMTP:   email.SMTPConfig{Host: "smtp.example.com", Username: "voicemail", Password: "relay-secret"},
	}, store, recordings.New(client, nil), email.WithConsumer("vm-a"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	mailer.Run(ctx)
}
