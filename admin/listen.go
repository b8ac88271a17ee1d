package admin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// ListenConfig says where the API listens.
type ListenConfig struct {
	// Addr is host:port; port 0 picks a free one (Server.Addr says which).
	Addr string
	// CertFile and KeyFile, both set, serve HTTPS with that PEM
	// certificate chain and key; both empty serve plain HTTP (keep it on
	// loopback or a management network then).
	CertFile, KeyFile string
}

// Server is the API on its own listener.
type Server struct {
	srv  *http.Server
	addr string
	done chan struct{}
	log  *zap.Logger
}

// shutdownTimeout bounds the graceful stop of the server.
const shutdownTimeout = 5 * time.Second

// Listen serves h on cfg.Addr until Close. A certificate that cannot be
// loaded or an address that cannot be bound is an error.
func Listen(ctx context.Context, cfg ListenConfig, h http.Handler, log *zap.Logger) (*Server, error) {
	if log == nil {
		log = zap.NewNop()
	}
	var tlsCfg *tls.Config
	switch {
	case cfg.CertFile != "" && cfg.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS certificate: %v", ErrInvalidConfig, err)
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	case cfg.CertFile != "" || cfg.KeyFile != "":
		return nil, fmt.Errorf("%w: TLS needs both a certificate and a key file", ErrInvalidConfig)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("admin: listen on %s: %w", cfg.Addr, err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	s := &Server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          zap.NewStdLog(log),
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		},
		addr: ln.Addr().String(),
		done: make(chan struct{}),
		log:  log,
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin API server", zap.Error(err))
		}
	}()
	log.Info("admin API listening", zap.String("addr", s.addr), zap.Bool("tls", tlsCfg != nil))
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.addr }

// Close stops the server gracefully (bounded by shutdownTimeout) and
// returns once it has stopped.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.log.Warn("admin API: graceful stop", zap.Error(err))
		_ = s.srv.Close()
	}
	<-s.done
}
