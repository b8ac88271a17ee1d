package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"sync"

	gomail "github.com/wneessen/go-mail"
)

// Relay sends mail through one SMTP relay with go-mail: STARTTLS (required
// when asked for) or implicit TLS, SMTP AUTH with the strongest mechanism
// the relay offers, a timeout on connecting and on each command. Each Send
// has a connection of its own, so a Relay is safe for concurrent use.
type Relay struct {
	client *gomail.Client
	host   string
}

// NewRelay returns a Relay for cfg (zero fields take their defaults, as in
// Config). It does no I/O.
func NewRelay(cfg SMTPConfig) (*Relay, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	tlsCfg := cfg.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsCfg = tlsCfg.Clone()
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = cfg.Host
	}
	helo := cfg.HELO
	if helo == "" {
		helo, _ = os.Hostname()
	}
	if helo == "" {
		helo = "localhost"
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsCfg),
		gomail.WithHELO(helo),
		gomail.WithDialContextFunc(dialer(cfg.Security == SecurityTLS, tlsCfg)),
	}
	switch cfg.Security {
	case SecurityTLS:
		// The connection is TLS from the dialer on: go-mail sees a TLS
		// connection that offers no STARTTLS, and knows it is encrypted.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: SMTP: %v", ErrInvalidConfig, err)
	}
	return &Relay{client: c, host: cfg.Host}, nil
}

// withDefaults applies the defaults of the SMTP fields.
func (s SMTPConfig) withDefaults() SMTPConfig {
	if s.Security == "" {
		s.Security = SecurityStartTLS
	}
	if s.Port == 0 {
		s.Port = DefaultPort(s.Security)
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultSMTPTimeout
	}
	return s
}

// Send hands msg to the relay; it returns nil once the relay accepted it
// (its 250 to the end of DATA). ctx bounds the whole exchange. An error
// wraps ErrPermanent when the relay refused the message for good (5xx to
// MAIL FROM, RCPT TO or DATA), and ErrTemporary otherwise: no connection,
// a timeout, a 4xx, or a refusal of the connection itself (STARTTLS,
// AUTH: the relay's settings, not the message).
func (r *Relay) Send(ctx context.Context, msg *gomail.Msg) error {
	conn := &connHolder{}
	client, err := r.client.DialToSMTPClientWithContext(context.WithValue(ctx, connKey{}, conn))
	if err != nil {
		return fmt.Errorf("%w: connect to %s: %w", ErrTemporary, r.host, err)
	}
	// go-mail's commands take no context, and its client holds a lock
	// while it waits for a reply: closing the TCP connection under it is
	// how a cancelled send stops.
	stop := context.AfterFunc(ctx, conn.close)
	defer stop()
	err = r.client.SendWithSMTPClient(client, msg)
	// After DATA's 250 the mail is the relay's; QUIT's answer is no news.
	_ = r.client.CloseWithSMTPClient(client)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: send through %s: %w (%w)", ErrTemporary, r.host, err, ctx.Err())
		}
		return fmt.Errorf("%w: send through %s: %w", classify(err), r.host, err)
	}
	return nil
}

// connKey is the context key of the connHolder of a Send.
type connKey struct{}

// connHolder keeps the TCP connection of one Send, to close it when the
// Send's context ends.
type connHolder struct {
	mu   sync.Mutex
	conn net.Conn
}

func (h *connHolder) set(c net.Conn) {
	h.mu.Lock()
	h.conn = c
	h.mu.Unlock()
}

func (h *connHolder) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn != nil {
		_ = h.conn.Close()
	}
}

// dialer returns go-mail's dial function: TCP, then TLS when implicit,
// noting the TCP connection in the context's connHolder.
func dialer(implicit bool, tlsCfg *tls.Config) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if h, ok := ctx.Value(connKey{}).(*connHolder); ok {
			h.set(raw)
		}
		if !implicit {
			return raw, nil
		}
		c := tls.Client(raw, tlsCfg)
		if err := c.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return nil, err
		}
		return c, nil
	}
}

// classify says whether a send error from go-mail is permanent.
func classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		switch se.Reason {
		case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose,
			gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			if code >= 500 && code < 600 || (code == 0 && !se.IsTemp() && replyCode(err) >= 500) {
				return ErrPermanent
			}
			if se.Reason == gomail.ErrGetSender || se.Reason == gomail.ErrGetRcpts || se.Reason == gomail.ErrNoUnencoded {
				return ErrPermanent // the message itself cannot be sent
			}
		}
		return ErrTemporary
	}
	if c := replyCode(err); c >= 500 && c < 600 {
		return ErrPermanent
	}
	return ErrTemporary
}

// replyCode is the SMTP reply code in err's chain, or 0.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}
