package app

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/internal/testkit"
	"github.com/clusterpbx/voicemail/recordings"
)

// fileServer is a fake Asterisk whose stored recording file answers status
// (and body for 200).
func fileServer(t *testing.T, status int, body []byte) *recordings.Store {
	t.Helper()
	srv := aritest.NewServer(t)
	srv.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
		if status != http.StatusOK {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"message":"no"}`))
			return
		}
		_, _ = w.Write(body)
	})
	c, err := ari.New(ari.Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword})
	if err != nil {
		t.Fatal(err)
	}
	return recordings.New(c, nil)
}

// TestNodesAudioReadsFromAnyAsterisk checks that the sender's audio comes
// from the first Asterisk that has it, and counts as gone only when every
// one says 404: an Asterisk that is down must not make an email go without
// its recording.
func TestNodesAudioReadsFromAnyAsterisk(t *testing.T) {
	ctx := testkit.Timeout(t, 10*time.Second)
	const name = "voicemail/default/1001/msg/m1732634712042-9f86d081"
	wav := []byte("RIFF....WAVE")
	down, missing, has := fileServer(t, http.StatusInternalServerError, nil), fileServer(t, http.StatusNotFound, nil), fileServer(t, http.StatusOK, wav)

	if b, err := (nodesAudio{down, missing, has}).File(ctx, name); err != nil || !bytes.Equal(b, wav) {
		t.Errorf("File = %q, %v; want it from the third", b, err)
	}
	if _, err := (nodesAudio{missing, missing}).File(ctx, name); !errors.Is(err, ari.ErrNotFound) {
		t.Errorf("File on two that lack it = %v, want ErrNotFound", err)
	}
	if _, err := (nodesAudio{missing, down}).File(ctx, name); err == nil || errors.Is(err, ari.ErrNotFound) {
		t.Errorf("File with one down = %v, want an error that is not ErrNotFound", err)
	}
}

// TestDemoConfigLoads checks testenv/demo.yaml, which turns mail on for
// the demo's local relay: testenv/demo is not run by the tests.
func TestDemoConfigLoads(t *testing.T) {
	t.Setenv("VOICEMAIL_MAIL_SMTP_PORT", "2526")
	cfg, err := LoadConfig([]string{"--config", "../testenv/demo.yaml"}, func(k string) string {
		if k == "VOICEMAIL_MAIL_SMTP_PORT" {
			return "2526"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Mail.Enabled || cfg.Mail.SMTPPort != 2526 || cfg.Mail.SMTPSecurity != "none" {
		t.Errorf("demo mail settings %+v", cfg.Mail)
	}
}
