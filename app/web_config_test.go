package app

import (
	"errors"
	"testing"
	"time"
)

func TestWebConfigValidate(t *testing.T) {
	ok := defaultWebConfig()
	ok.Listen = "127.0.0.1:8443"
	if err := ok.validate(); err != nil {
		t.Fatalf("defaults with a listener: %v", err)
	}
	for name, tweak := range map[string]func(*WebConfig){
		"listen without a port": func(w *WebConfig) { w.Listen = "localhost" },
		"cert without key":      func(w *WebConfig) { w.TLSCertFile = "x.pem" },
		"idle too short":        func(w *WebConfig) { w.IdleTimeout = time.Second },
		"idle too long":         func(w *WebConfig) { w.IdleTimeout = 48 * time.Hour },
		"lifetime below idle":   func(w *WebConfig) { w.MaxSession = time.Minute },
		"lifetime too long":     func(w *WebConfig) { w.MaxSession = 1000 * time.Hour },
	} {
		w := ok
		tweak(&w)
		if err := w.validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
