// Command mailsink is the demo's local mail relay: an SMTP server on
// loopback (emersion/go-smtp, no TLS, no AUTH) that accepts every mail and
// writes it to a directory, one .eml file each, so that testenv/demo can
// show the email a message produced. It is for the demo only: it delivers
// nothing anywhere.
//
//	mailsink -listen 127.0.0.1:2525 -dir /var/cache/voicemail-testenv/run/mail
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:2525", "host:port to listen on (keep it on loopback)")
	dir := flag.String("dir", "mail", "directory the mails are written to")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	srv := newServer(*dir, os.Stdout)
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		<-sig
		_ = srv.Close()
	}()
	log.Printf("mailsink: listening on %s, writing to %s", l.Addr(), *dir)
	if err := srv.Serve(l); err != nil && !strings.Contains(err.Error(), "closed") {
		log.Fatal(err)
	}
}

// newServer returns the SMTP server that writes each mail into dir and a
// line about it to out.
func newServer(dir string, out io.Writer) *smtp.Server {
	var seq atomic.Int64
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{dir: dir, out: out, seq: &seq}, nil
	}))
	srv.Domain = "mailsink.local"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 64 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

type session struct {
	dir  string
	out  io.Writer
	seq  *atomic.Int64
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%04d.eml", time.Now().UTC().Format("20060102T150405"), s.seq.Add(1))
	tmp := filepath.Join(s.dir, "."+name)
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		return err
	}
	subject := ""
	if m, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		subject, _ = new(mimeDecoder).decode(m.Header.Get("Subject"))
	}
	fmt.Fprintf(s.out, "%s: mail from %s to %s, %d bytes: %s\n", name, s.from, strings.Join(s.to, ", "), len(b), subject)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }
