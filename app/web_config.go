package app

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/clusterpbx/voicemail/web"
)

// WebConfig is the visual voicemail pages (package web, docs/web.md): their
// own listener, off by default.
type WebConfig struct {
	// Listen is the pages' host:port; "" turns them off. Default "".
	Listen string `koanf:"listen"`
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS with that PEM
	// certificate chain and key. Default "": plain HTTP, for loopback or
	// behind a proxy that terminates TLS (then set secure_cookies).
	TLSCertFile string `koanf:"tls_cert_file"`
	TLSKeyFile  string `koanf:"tls_key_file"`
	// SecureCookies marks the cookies Secure: set it when the browsers
	// reach the pages over HTTPS through a proxy. Always on with TLS.
	// Default false.
	SecureCookies bool `koanf:"secure_cookies"`
	// IdleTimeout signs a browser out after this long without a request,
	// 1m to 24h. Default 15m.
	IdleTimeout time.Duration `koanf:"idle_timeout"`
	// MaxSession signs a browser out this long after it signed in,
	// idle_timeout to 720h. Default 12h.
	MaxSession time.Duration `koanf:"max_session"`
}

func defaultWebConfig() WebConfig {
	d := web.DefaultConfig()
	return WebConfig{IdleTimeout: d.IdleTimeout, MaxSession: d.MaxSession}
}

// validate checks the pages' settings; the certificate is read, so that a
// mistake stops the start rather than the first request.
func (w WebConfig) validate() error {
	if !validListen(w.Listen) {
		return fmt.Errorf("%w: web.listen %q: use host:port, or \"\" to turn it off", ErrInvalidConfig, w.Listen)
	}
	if (w.TLSCertFile == "") != (w.TLSKeyFile == "") {
		return fmt.Errorf("%w: web.tls_cert_file and web.tls_key_file go together", ErrInvalidConfig)
	}
	if w.TLSCertFile != "" {
		if _, err := tls.LoadX509KeyPair(w.TLSCertFile, w.TLSKeyFile); err != nil {
			return fmt.Errorf("%w: web.tls_cert_file and tls_key_file: %v", ErrInvalidConfig, err)
		}
	}
	if w.IdleTimeout < time.Minute || w.IdleTimeout > 24*time.Hour {
		return fmt.Errorf("%w: web.idle_timeout %s: use 1m to 24h", ErrInvalidConfig, w.IdleTimeout)
	}
	if w.MaxSession < w.IdleTimeout || w.MaxSession > 720*time.Hour {
		return fmt.Errorf("%w: web.max_session %s: use web.idle_timeout to 720h", ErrInvalidConfig, w.MaxSession)
	}
	return nil
}
