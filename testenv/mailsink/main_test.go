package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/clusterpbx/voicemail/email"
	"github.com/clusterpbx/voicemail/internal/testkit"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMailsinkWritesEachMail sends a mail the way the demo's voicemail
// does (email.Relay, no TLS on loopback) and finds it in the directory.
func TestMailsinkWritesEachMail(t *testing.T) {
	t.Cleanup(testkit.CheckRoutines(t))
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	srv := newServer(dir, &out)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })

	relay, err := email.NewRelay(email.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port,
		Security: email.SecurityNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	msg := gomail.NewMsg()
	_ = msg.From("voicemail@demo.test")
	_ = msg.To("alice@demo.test")
	msg.Subject("[PBX]: New message 1 in mailbox 1001 — Zoé")
	msg.SetBodyString(gomail.TypeTextPlain, "Dear Alice")
	if err := relay.Send(testkit.Timeout(t, 10*time.Second), msg); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d files in the directory", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil || !bytes.Contains(b, []byte("Dear Alice")) {
		t.Fatalf("mail file: %v\n%s", err, b)
	}
	if line := out.String(); !strings.Contains(line, "to alice@demo.test") || !strings.Contains(line, "Zoé") {
		t.Errorf("log line %q", line)
	}
}
