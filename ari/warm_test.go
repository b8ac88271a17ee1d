package ari

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A lone caller's keys come seconds apart, longer than the pool keeps an
// idle connection: with KeepWarm running, the request after a quiet spell
// still goes on the connection already open; without it, on a new one.
func TestKeepWarmKeepsAConnectionOpen(t *testing.T) {
	for _, tc := range []struct {
		name     string
		warm     bool
		wantConn int32
	}{
		{"kept warm", true, 1},
		{"left idle", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opened atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/ari/asterisk/ping" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"ping":"pong"}`))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					opened.Add(1)
				}
			}
			srv.Start()
			defer srv.Close()

			const idle = 300 * time.Millisecond
			tr := &http.Transport{IdleConnTimeout: idle, MaxIdleConnsPerHost: 4}
			defer tr.CloseIdleConnections()
			c, err := New(Config{URL: srv.URL + "/ari", Username: "u", Password: "p", Timeout: 5 * time.Second},
				WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := c.Ping(ctx); err != nil {
				t.Fatalf("first request: %v", err)
			}
			var wg sync.WaitGroup
			warmCtx, stopWarm := context.WithCancel(ctx)
			if tc.warm {
				wg.Go(func() { c.KeepWarm(warmCtx, idle/3) })
			}
			time.Sleep(4 * idle) // a quiet spell, well past the idle timeout
			if _, err := c.Ping(ctx); err != nil {
				t.Fatalf("request after the quiet spell: %v", err)
			}
			stopWarm()
			wg.Wait()
			if got := opened.Load(); got != tc.wantConn {
				t.Fatalf("connections opened: %d, want %d", got, tc.wantConn)
			}
		})
	}
}

// KeepWarm returns when its context ends.
func TestKeepWarmStopsWithItsContext(t *testing.T) {
	c, err := New(Config{URL: "http://127.0.0.1:1/ari", Username: "u", Password: "p", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.KeepWarm(ctx, 10*time.Millisecond) }()
	time.Sleep(50 * time.Millisecond) // a few failed pings: Asterisk is not there
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("KeepWarm did not return after its context ended")
	}
}
