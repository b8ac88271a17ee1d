package email

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/state"
)

// BenchmarkMailerWithAttachments measures the sender: b.N messages of 30 s
// (8 kHz WAV, 480 kB, as Asterisk records them) left in 10 mailboxes, then
// sent by one Mailer (mail.workers 4) through a real relay over TCP with
// STARTTLS and AUTH, from Redis to accepted mail. It reports emails/s.
//
//	go test -run '^$' -bench MailerWithAttachments -benchtime 200x ./email/
func BenchmarkMailerWithAttachments(b *testing.B) {
	for _, format := range []string{AttachWAV, AttachMP3} {
		b.Run(format, func(b *testing.B) {
			if format == AttachMP3 {
				needTools(b, "lame")
			}
			r := newRig(b)
			wav := speechWAV(b, 30)
			var boxes []state.MailboxID
			for i := range 10 {
				mb := mustID(b, fmt.Sprintf("30%02d@default", i))
				boxes = append(boxes, mb)
				r.provision(b, state.MailboxConfig{ID: mb, Name: "Owner", Email: fmt.Sprintf("o%d@example.test", i),
					Notify: state.NotifySettings{Attach: format}})
			}
			for i := range b.N {
				r.leave(b, boxes[i%len(boxes)], left.Add(time.Duration(i)*time.Millisecond), wav)
			}
			cfg := r.config()
			cfg.SendTimeout, cfg.ClaimIdle = time.Minute, 2*time.Minute
			m := r.mailer(b, cfg)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			b.ResetTimer()
			start := time.Now()
			go func() { defer close(done); m.Run(ctx) }()
			deadline := start.Add(10 * time.Minute)
			for len(r.relay.Messages()) < b.N {
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d mails after 10 minutes", len(r.relay.Messages()), b.N)
				}
				time.Sleep(5 * time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			cancel()
			<-done
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "emails/s")
			b.ReportMetric(float64(len(r.relay.Messages()[0].Data))/1024, "kB/mail")
		})
	}
}
