package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	gomail "github.com/wneessen/go-mail"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/email/smtptest"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/state"
)

// Environment of the helper process of TestSenderKilledMidSendAnotherDelivers.
const (
	helperEnv      = "VOICEMAIL_TEST_MAILER_HELPER"
	helperRedis    = "VOICEMAIL_TEST_MAILER_REDIS"
	helperRelay    = "VOICEMAIL_TEST_MAILER_RELAY_PORT"
	helperRelayCA  = "VOICEMAIL_TEST_MAILER_RELAY_CA"
	helperAudioWAV = "VOICEMAIL_TEST_MAILER_AUDIO"
)

// TestHelperMailerProcess is not a test: it is the instance that
// TestSenderKilledMidSendAnotherDelivers starts, and kills, as a process of
// its own. It runs a Mailer until it is killed.
func TestHelperMailerProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("the helper process of TestSenderKilledMidSendAnotherDelivers")
	}
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(helperRedis)})
	store, err := state.New(state.Config{PINHashCost: 4}, rdb)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(os.Getenv(helperRelayCA))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	port, _ := strconv.Atoi(os.Getenv(helperRelay))
	wav, err := os.ReadFile(os.Getenv(helperAudioWAV))
	if err != nil {
		t.Fatal(err)
	}
	audio := newMemAudio()
	audio.put(os.Getenv("VOICEMAIL_TEST_MAILER_RECORDING"), wav)
	cfg := Config{From: "voicemail@pbx.test", Poll: 100 * time.Millisecond, SendTimeout: time.Second,
		ClaimIdle: 2 * time.Second, RetryMin: time.Second,
		SMTP: SMTPConfig{Host: smtptest.Host, Port: port, Username: smtptest.Username, Password: smtptest.Password,
			TLS: &tls.Config{RootCAs: pool, ServerName: smtptest.Host, MinVersion: tls.VersionTLS12}, Timeout: time.Minute}}
	log, _ := zap.NewDevelopment()
	// SendTimeout is short, but the relay holds the DATA longer: the
	// process is killed before its send times out.
	relay, err := NewRelay(cfg.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, store, audio, WithLogger(log), WithConsumer("doomed"), WithSender(slowSender{relay: relay}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	m.Run(ctx)
}

// slowSender sends without the Mailer's send timeout, so that the helper
// process stays in the middle of its send until it is killed.
type slowSender struct {
	relay *Relay
}

func (s slowSender) Send(ctx context.Context, msg *gomail.Msg) error {
	return s.relay.Send(context.WithoutCancel(ctx), msg)
}

func TestSenderKilledMidSendAnotherDelivers(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	ctx := testkit.Timeout(t, 60*time.Second)
	r := newRig(t)
	mb := mustID(t, "1007@default")
	r.provision(t, state.MailboxConfig{ID: mb, Name: "Ann", Email: "ann@example.test"})
	wav := speechWAV(t, 2)
	msg := r.leave(t, mb, left, wav)
	audioFile := t.TempDir() + "/msg.wav"
	if err := os.WriteFile(audioFile, wav, 0o600); err != nil {
		t.Fatal(err)
	}

	// The relay holds the first DATA it gets, and never accepts it.
	held := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	r.relay.OnData(func(smtptest.Received) error {
		first := false
		once.Do(func() { first = true })
		if !first {
			return nil
		}
		close(held)
		<-release
		return smtptest.TempFail
	})
	defer close(release)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMailerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperRedis+"="+r.addr, helperRelay+"="+strconv.Itoa(r.relay.Port),
		helperRelayCA+"="+r.relay.CAFile(t), helperAudioWAV+"="+audioFile, "VOICEMAIL_TEST_MAILER_RECORDING="+msg.Recording)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the helper instance never reached DATA")
	}
	// Killed in the middle of the send: the relay has the whole mail but
	// has not answered it.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()

	cfg := r.config()
	m := r.mailer(t, cfg, WithConsumer("survivor"))
	run(t, m)
	got := r.relay.Wait(t, 1, 20*time.Second)
	t.Logf("delivered by the survivor %v after the kill (claim idle %v)", time.Since(killed).Round(100*time.Millisecond), cfg.ClaimIdle)
	if got[0].MessageID() != msg.ID+".email.1007.default@pbx.test" {
		t.Errorf("Message-ID %q", got[0].MessageID())
	}
	testkit.Eventually(t, 10*time.Second, 50*time.Millisecond, func() error {
		rep, err := r.store.ListNotifications(context.Background())
		if err != nil || len(rep.Pending)+len(rep.Dead) != 0 {
			return testkit.ErrNotYet
		}
		return nil
	})
	if n := len(r.relay.Messages()); n != 1 {
		t.Errorf("relay accepted %d mails, want 1", n)
	}
}
