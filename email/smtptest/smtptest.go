// Package smtptest runs a real SMTP relay for tests, in the manner of
// net/http/httptest: emersion/go-smtp on a loopback port, with STARTTLS (or
// implicit TLS) on a certificate of its own and AUTH PLAIN required before
// any mail, recording what it accepts. It can be stopped and started again
// on the same port (a relay that is down), and hooks let a test refuse or
// hold a message.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Credentials the relay accepts.
const (
	Username = "voicemail"
	Password = "relay-secret"
)

// Host is the address the relay listens on, and the name in its
// certificate.
const Host = "127.0.0.1"

// Options shape a relay.
type Options struct {
	// ImplicitTLS makes the relay speak TLS from the first byte (port
	// 465 style) instead of offering STARTTLS.
	ImplicitTLS bool
}

// Received is one mail the relay accepted.
type Received struct {
	// From and To are the envelope's sender and recipients.
	From string
	To   []string
	// Data is the message as sent.
	Data []byte
	// Header is the parsed header of Data.
	Header mail.Header
	// TLS says whether the session was encrypted, Auth whether it
	// authenticated.
	TLS, Auth bool
}

// MessageID returns the Message-ID header, without its angle brackets.
func (r Received) MessageID() string {
	id := r.Header.Get("Message-Id")
	if len(id) > 1 && id[0] == '<' && id[len(id)-1] == '>' {
		return id[1 : len(id)-1]
	}
	return id
}

// Server is a running relay.
type Server struct {
	// Port is the relay's port on Host; it stays the same across Stop and
	// Start.
	Port int
	opts Options
	cert tls.Certificate
	pool *x509.CertPool

	mu       sync.Mutex
	srv      *smtp.Server
	l        net.Listener
	serving  sync.WaitGroup
	received []Received
	rcptHook func(to string) error
	dataHook func(r Received) error
	sessions int
}

// NewServer starts a relay on a free loopback port; it is stopped in
// tb.Cleanup.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	cert, pool, err := selfSigned()
	if err != nil {
		tb.Fatalf("smtptest: certificate: %v", err)
	}
	s := &Server{opts: opts, cert: cert, pool: pool}
	l, err := net.Listen("tcp", net.JoinHostPort(Host, "0"))
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	s.serve(l)
	tb.Cleanup(s.Stop)
	return s
}

// Addr is host:port of the relay.
func (s *Server) Addr() string { return net.JoinHostPort(Host, strconv.Itoa(s.Port)) }

// ClientTLS is the TLS configuration that trusts the relay's certificate.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: Host, MinVersion: tls.VersionTLS12}
}

// CAFile writes the relay's certificate as PEM into a file of
// tb.TempDir() and returns its path: for a client in another process.
func (s *Server) CAFile(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "relay-ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cert.Certificate[0]})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Stop closes the relay and its connections: clients get connection
// refused until Start.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, l := s.srv, s.l
	s.srv, s.l = nil, nil
	s.mu.Unlock()
	if l != nil {
		// Closed here as well as by srv.Close: Serve may not have
		// registered it yet.
		_ = l.Close()
	}
	if srv != nil {
		_ = srv.Close()
	}
	s.serving.Wait()
}

// Start listens again on the same port after Stop.
func (s *Server) Start(tb testing.TB) {
	tb.Helper()
	var l net.Listener
	var err error
	for range 50 { // the port may linger for a moment after Stop
		if l, err = net.Listen("tcp", s.Addr()); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("smtptest: listen again on %s: %v", s.Addr(), err)
	}
	s.serve(l)
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, tls: isTLS}, nil
	}))
	srv.Domain = "relay.test"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 32 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12}
	if s.opts.ImplicitTLS {
		l = tls.NewListener(l, tlsCfg)
	} else {
		srv.TLSConfig = tlsCfg
	}
	s.mu.Lock()
	s.srv, s.l = srv, l
	s.mu.Unlock()
	s.serving.Go(func() { _ = srv.Serve(l) })
}

// OnRcpt sets a hook called for each RCPT TO: a non-nil error (such as
// &smtp.SMTPError{Code: 550, …}) is the relay's answer. nil removes it.
func (s *Server) OnRcpt(hook func(to string) error) {
	s.mu.Lock()
	s.rcptHook = hook
	s.mu.Unlock()
}

// OnData sets a hook called with each message before the relay answers
// its DATA: a non-nil error refuses it (nothing is recorded), and the hook
// may block to hold the sender. nil removes it.
func (s *Server) OnData(hook func(r Received) error) {
	s.mu.Lock()
	s.dataHook = hook
	s.mu.Unlock()
}

// Messages returns the mails accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Sessions counts the SMTP sessions opened so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// session is one client connection.
type session struct {
	s        *Server
	tls      bool
	auth     bool
	from     string
	to       []string
	authUser string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != Username || password != Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.auth = true
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.s.mu.Lock()
	hook := ss.s.rcptHook
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "malformed message: " + err.Error()}
	}
	rec := Received{From: ss.from, To: append([]string(nil), ss.to...), Data: b, Header: msg.Header, TLS: ss.tls, Auth: ss.auth}
	ss.s.mu.Lock()
	hook := ss.s.dataHook
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(rec); err != nil {
			return err
		}
	}
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, rec)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// TempFail is a 451 answer, for OnRcpt and OnData.
var TempFail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}

// PermFail is a 550 answer, for OnRcpt and OnData.
var PermFail = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}

// selfSigned makes a certificate for Host and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "smtptest relay"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP(Host)},
		DNSNames:              []string{"localhost"},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// ErrNotYet is what Wait reports until enough mails arrived.
var ErrNotYet = errors.New("smtptest: not enough mail yet")

// Wait polls until the relay accepted at least n mails or timeout passes,
// and returns them.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Received {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.Messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			tb.Fatalf("smtptest: %v: %d of %d mails after %v", ErrNotYet, len(got), n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// String describes the relay.
func (s *Server) String() string { return fmt.Sprintf("smtptest relay on %s", s.Addr()) }
