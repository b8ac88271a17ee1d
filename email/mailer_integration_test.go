package email

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/clusterpbx/voicemail/email/smtptest"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// left is when the test messages were left: Monday 25 November 2024,
// 14:25:12 UTC.
var left = time.Date(2024, 11, 25, 14, 25, 12, 0, time.UTC)

func TestEmailWithWAVAttachmentAndAppVoicemailVariables(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 30*time.Second)
	r := newRig(t)
	mb := mustID(t, "1001@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann Owner", Email: "ann@example.test", Language: "en",
		Notify: state.NotifySettings{Timezone: "America/New_York"}})
	wav := speechWAV(t, 4.5)
	msg := r.leave(t, mb, left, wav, func(m *state.Message) { m.Urgent = true })
	m := r.mailer(t, r.config())
	if n, err := m.Once(ctx); err != nil || n != 1 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	got := r.relay.Messages()
	if len(got) != 1 {
		t.Fatalf("relay got %d mails", len(got))
	}
	mail := got[0]
	if mail.From != "voicemail@pbx.test" || !slices.Equal(mail.To, []string{"ann@example.test"}) || !mail.TLS || !mail.Auth {
		t.Errorf("envelope %q → %q, TLS %v, AUTH %v", mail.From, mail.To, mail.TLS, mail.Auth)
	}
	wantID := msg.ID + ".email.1001.default@pbx.test"
	if mail.MessageID() != wantID {
		t.Errorf("Message-ID %q, want %q", mail.MessageID(), wantID)
	}
	if s := decodeHeader(t, mail.Header.Get("Subject")); s != "[PBX]: New urgent message 1 in mailbox 1001" {
		t.Errorf("Subject %q", s)
	}
	if from := decodeHeader(t, mail.Header.Get("From")); from != `"Voicemail" <voicemail@pbx.test>` {
		t.Errorf("From %q", from)
	}
	if h := mail.Header.Get("X-Asterisk-VM-Duration"); h != "4" {
		t.Errorf("X-Asterisk-VM-Duration %q", h)
	}
	ps := parts(t, mail)
	if len(ps) != 2 {
		t.Fatalf("%d parts, want text and attachment: %+v", len(ps), ps)
	}
	text, att := ps[0], ps[1]
	if text.contentType != "text/plain" || !strings.EqualFold(text.params["charset"], "utf-8") {
		t.Errorf("first part %s %v", text.contentType, text.params)
	}
	body := string(text.body)
	for _, want := range []string{
		"Dear Ann Owner:",
		"a 0:04 long urgent message (number 1)",
		"in mailbox 1001 from Zoé Caller <5551234>",
		// 14:25:12 UTC is 09:25:12 in New York, in November.
		"on Monday, November 25, 2024 at 09:25:12 AM",
		"The recording is attached (msg0000.wav).",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if att.contentType != "audio/x-wav" || att.disposition != "attachment" || att.filename != "msg0000.wav" {
		t.Errorf("attachment %s, %s, %q", att.contentType, att.disposition, att.filename)
	}
	if !bytes.Equal(att.body, wav) {
		t.Errorf("attachment is %d bytes, not the %d of the recording", len(att.body), len(wav))
	}
	// Sent, so the outbox is empty.
	rep, err := r.store.ListNotifications(ctx)
	if err != nil || len(rep.Pending)+len(rep.Dead) != 0 {
		t.Errorf("outbox after the send: %+v, %v", rep, err)
	}
}

func TestEmailMP3InFrenchAndPager(t *testing.T) {
	needTools(t, "lame")
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 30*time.Second)
	r := newRig(t)
	mb := mustID(t, "1002@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Zoé Lefèvre", Email: "zoe@example.test", Language: "fr_CA",
		Notify: state.NotifySettings{Attach: AttachMP3, Pager: "zoe-sms@example.test", Timezone: "Europe/Paris"}})
	wav := speechWAV(t, 7.3)
	r.leave(t, mb, left, wav)
	m := r.mailer(t, r.config())
	if n, err := m.Once(ctx); err != nil || n != 2 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	got := r.relay.Messages()
	if len(got) != 2 {
		t.Fatalf("relay got %d mails", len(got))
	}
	byRcpt := map[string]smtptest.Received{}
	for _, g := range got {
		byRcpt[g.To[0]] = g
	}
	email, pager := byRcpt["zoe@example.test"], byRcpt["zoe-sms@example.test"]
	if s := decodeHeader(t, email.Header.Get("Subject")); s != "[PBX] : nouveau message 1 dans la boîte 1002" {
		t.Errorf("Subject %q", s)
	}
	if raw := email.Header.Get("Subject"); !strings.HasPrefix(strings.ToUpper(raw), "=?UTF-8?") {
		t.Errorf("Subject not encoded: %q", raw)
	}
	if raw, to := email.Header.Get("To"), decodeHeader(t, email.Header.Get("To")); to != `Zoé Lefèvre <zoe@example.test>` ||
		!strings.HasPrefix(strings.ToUpper(raw), "=?UTF-8?") {
		t.Errorf("To %q (%q), want the name encoded", to, raw)
	}
	ps := parts(t, email)
	if len(ps) != 2 {
		t.Fatalf("%d parts", len(ps))
	}
	body := string(ps[0].body)
	for _, want := range []string{"Bonjour Zoé Lefèvre,", "message de 0:07 (numéro 1)", "Zoé Caller <5551234>",
		"le lundi 25 novembre 2024 à 15:25:12", "L'enregistrement est joint (msg0000.mp3)."} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	att := ps[1]
	if att.contentType != "audio/mpeg" || att.filename != "msg0000.mp3" {
		t.Errorf("attachment %s %q", att.contentType, att.filename)
	}
	if len(att.body) >= len(wav)/3 {
		t.Errorf("MP3 of %d bytes for a WAV of %d", len(att.body), len(wav))
	}
	d, rate := mp3Duration(t, att.body)
	if diff := d - 7300*time.Millisecond; diff < -150*time.Millisecond || diff > 150*time.Millisecond {
		t.Errorf("MP3 lasts %v, want 7.3s", d)
	}
	if rate != 16000 {
		t.Errorf("MP3 decodes at %d Hz, want 16000", rate)
	}
	if s := decodeHeader(t, pager.Header.Get("Subject")); s != "Nouveau message vocal" {
		t.Errorf("pager Subject %q", s)
	}
	pps := parts(t, pager)
	if len(pps) != 1 || !strings.Contains(string(pps[0].body), "Message de 0:07 dans la boîte 1002") {
		t.Errorf("pager mail %+v", pps)
	}
	if pager.MessageID() == email.MessageID() {
		t.Errorf("pager and email share Message-ID %s", pager.MessageID())
	}
}

func TestTwentyMessagesLeftWhileTheRelayIsDownAllArrive(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	r := newRig(t)
	r.relay.Stop()
	wav := speechWAV(t, 2)
	var ids []string
	for i := range 20 {
		mb := mustID(t, fmt.Sprintf("20%02d@default", i%5))
		if i < 5 {
			r.provision(t, state.MailboxConfig{ID: mb, Name: "Owner", Email: fmt.Sprintf("owner%d@example.test", i)})
		}
		m := r.leave(t, mb, left.Add(time.Duration(i)*time.Second), wav)
		ids = append(ids, m.ID+".email."+mb.Number+".default@pbx.test")
	}
	reg := prometheus.NewRegistry()
	m := r.mailer(t, r.config(), WithRegisterer(reg))
	run(t, m)
	// Every notification fails at least once while the relay is down.
	testkit.Eventually(t, 20*time.Second, 50*time.Millisecond, func() error {
		if n := testutil.ToFloat64(m.metrics.sends.WithLabelValues("email", "temporary")); n < 20 {
			return fmt.Errorf("%v temporary failures so far", n)
		}
		return nil
	})
	rep, err := r.store.ListNotifications(context.Background())
	if err != nil || len(rep.Pending) != 20 {
		t.Fatalf("pending while down: %d, %v", len(rep.Pending), err)
	}
	r.relay.Start(t)
	got := r.relay.Wait(t, 20, 30*time.Second)
	// And no more: each once.
	testkit.Eventually(t, 10*time.Second, 50*time.Millisecond, func() error {
		rep, err := r.store.ListNotifications(context.Background())
		if err != nil || len(rep.Pending)+len(rep.Dead) != 0 {
			return fmt.Errorf("outbox not empty: %d pending, %d dead, %v", len(rep.Pending), len(rep.Dead), err)
		}
		return nil
	})
	got = r.relay.Messages()
	var gotIDs []string
	for _, g := range got {
		gotIDs = append(gotIDs, g.MessageID())
	}
	slices.Sort(gotIDs)
	slices.Sort(ids)
	if !slices.Equal(gotIDs, ids) {
		t.Fatalf("relay got %d mails %v, want each of the 20 once: %v", len(gotIDs), gotIDs, ids)
	}
}

func TestPermanentRefusalGoesToTheDeadLettersAndRetryResends(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 30*time.Second)
	r := newRig(t)
	mb := mustID(t, "1003@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann", Email: "gone@example.test"})
	r.leave(t, mb, left, speechWAV(t, 2))
	r.relay.OnRcpt(func(string) error { return smtptest.PermFail })
	reg := prometheus.NewRegistry()
	m := r.mailer(t, r.config(), WithRegisterer(reg))
	if n, err := m.Once(ctx); err != nil || n != 1 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	if n := testutil.ToFloat64(m.metrics.deadTotal); n != 1 {
		t.Errorf("voicemail_mail_dead_letters_total = %v", n)
	}
	rep, err := r.store.ListNotifications(ctx)
	if err != nil || len(rep.Dead) != 1 || len(rep.Pending) != 0 {
		t.Fatalf("ListNotifications: %+v, %v", rep, err)
	}
	if d := rep.Dead[0]; !strings.Contains(d.Reason, "550") || d.Attempts != 1 {
		t.Errorf("dead letter %+v", d)
	}
	// No more attempts: a dead letter stays until an operator acts.
	if n, err := m.Once(ctx); err != nil || n != 0 {
		t.Fatalf("Once after the dead letter = %d, %v", n, err)
	}
	r.relay.OnRcpt(nil)
	if ok, err := r.store.RetryNotification(ctx, mb, rep.Dead[0].ID, time.Second); err != nil || !ok {
		t.Fatalf("RetryNotification: %v, %v", ok, err)
	}
	if n, err := m.Once(ctx); err != nil || n != 1 {
		t.Fatalf("Once after retry = %d, %v", n, err)
	}
	if got := r.relay.Messages(); len(got) != 1 || got[0].To[0] != "gone@example.test" {
		t.Fatalf("relay got %+v", got)
	}
}

func TestDeleteAfterEmailOnlyOnceTheRelayAccepted(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 30*time.Second)
	r := newRig(t)
	mb := mustID(t, "1004@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann", Email: "ann@example.test",
		Notify: state.NotifySettings{DeleteAfterEmail: true}})
	msg := r.leave(t, mb, left, speechWAV(t, 3))
	// The relay refuses for now (451).
	r.relay.OnData(func(smtptest.Received) error { return smtptest.TempFail })
	var changed []state.MailboxID
	cfg := r.config()
	m := r.mailer(t, cfg, WithOnChange(func(id state.MailboxID) { changed = append(changed, id) }))
	if n, err := m.Once(ctx); err != nil || n != 1 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	if _, err := r.store.Message(ctx, mb, msg.ID); err != nil {
		t.Fatalf("message gone before the relay accepted its email: %v", err)
	}
	if c, _ := r.store.Counts(ctx, mb); c.New != 1 {
		t.Fatalf("counts %+v before the email went", c)
	}
	r.relay.OnData(nil)
	// Taken again once its backoff has passed.
	testkit.Eventually(t, 10*time.Second, 100*time.Millisecond, func() error {
		if _, err := m.Once(ctx); err != nil {
			return err
		}
		if len(r.relay.Messages()) == 0 {
			return testkit.ErrNotYet
		}
		return nil
	})
	if _, err := r.store.Message(ctx, mb, msg.ID); err == nil {
		t.Fatal("message still there after its email was accepted")
	}
	if c, _ := r.store.Counts(ctx, mb); c.New != 0 {
		t.Errorf("counts %+v after delete after email", c)
	}
	if !slices.Equal(r.audio.deletedNames(), []string{msg.Recording}) {
		t.Errorf("audio deleted %v, want %s", r.audio.deletedNames(), msg.Recording)
	}
	if !slices.Equal(changed, []state.MailboxID{mb}) {
		t.Errorf("message-waiting told of %v", changed)
	}
}

func TestMessageDeletedBeforeItsEmailStillNotifies(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 30*time.Second)
	r := newRig(t)
	mb := mustID(t, "1005@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann", Email: "ann@example.test"})
	msg := r.leave(t, mb, left, speechWAV(t, 2))
	if err := r.audio.Delete(ctx, msg.Recording); err != nil {
		t.Fatal(err)
	}
	m := r.mailer(t, r.config())
	if n, err := m.Once(ctx); err != nil || n != 1 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	got := r.relay.Messages()
	if len(got) != 1 {
		t.Fatalf("relay got %d mails", len(got))
	}
	ps := parts(t, got[0])
	if len(ps) != 1 || !strings.Contains(string(ps[0].body), "The recording was deleted before this email could be sent.") {
		t.Fatalf("mail without audio: %+v", ps)
	}
}

func TestForwardedIntroIsJoinedBeforeTheMessage(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 30*time.Second)
	r := newRig(t)
	mb := mustID(t, "1006@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Bob", Email: "bob@example.test"})
	intro, wav := speechWAV(t, 1), speechWAV(t, 2)
	msg := r.leave(t, mb, left, wav, func(m *state.Message) {
		m.Origin = "1001@default"
		m.Intro = m.Recording + "-i"
	})
	r.audio.put(msg.Intro, intro)
	m := r.mailer(t, r.config())
	if _, err := m.Once(ctx); err != nil {
		t.Fatal(err)
	}
	got := r.relay.Messages()
	if len(got) != 1 {
		t.Fatalf("relay got %d mails", len(got))
	}
	ps := parts(t, got[0])
	w, err := parseWAV(ps[1].body)
	if err != nil || w.duration() != 3*time.Second {
		t.Errorf("attachment: %v, %v; want the 1 s introduction and the 2 s message", w.duration(), err)
	}
	if !strings.Contains(string(ps[0].body), "It was forwarded from mailbox 1001@default.") {
		t.Errorf("body %s", ps[0].body)
	}
	if got[0].Header.Get("X-Asterisk-VM-Message-Type") != "Forwarded" {
		t.Errorf("headers %v", got[0].Header)
	}
}

func TestRedisRestartWhileNotificationsWaitLosesNone(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	r := newRig(t)
	r.relay.Stop()
	mb := mustID(t, "1008@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann", Email: "ann@example.test"})
	wav := speechWAV(t, 2)
	for i := range 3 {
		r.leave(t, mb, left.Add(time.Duration(i)*time.Second), wav)
	}
	reg := prometheus.NewRegistry()
	m := r.mailer(t, r.config(), WithRegisterer(reg))
	run(t, m)
	testkit.Eventually(t, 20*time.Second, 50*time.Millisecond, func() error {
		if n := testutil.ToFloat64(m.metrics.sends.WithLabelValues("email", "temporary")); n < 3 {
			return fmt.Errorf("%v temporary failures so far", n)
		}
		return nil
	})
	// Redis goes away for 2 s (it writes its append-only file as it stops)
	// while the Mailer runs, then the relay comes back.
	redistest.Restart(t, r.rdb, 2*time.Second)
	r.relay.Start(t)
	r.relay.Wait(t, 3, 45*time.Second)
	testkit.Eventually(t, 10*time.Second, 50*time.Millisecond, func() error {
		rep, err := r.store.ListNotifications(context.Background())
		if err != nil || len(rep.Pending)+len(rep.Dead) != 0 {
			return fmt.Errorf("outbox not empty: %+v, %v", rep, err)
		}
		return nil
	})
	if n := len(r.relay.Messages()); n != 3 {
		t.Errorf("relay got %d mails, want 3", n)
	}
}
