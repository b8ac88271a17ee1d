package ari

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"
)

// A lone caller's keys come seconds apart, longer than the pool keeps an
// idle connection: with KeepWarm running, the request after a quiet spell
// still goes on a connection already open; without it, on a new one.
//
// What is checked is whether that request reused a connection
// (httptrace), not how many were opened: on a busy machine a KeepWarm
// ping may find the first request's connection not yet back in the pool
// and open a second one, which is no failure of KeepWarm (stop 24's CI, and again on
// 2026-12-05 with the warmer stopped first). The warmer's stop does not
// cancel a ping under way, which would cost the connection it keeps
// (once more in CI, 2026-12-05, 15:00 UTC: the ping was cut by the stop).
func TestKeepWarmKeepsAConnectionOpen(t *testing.T) {
	for _, tc := range []struct {
		name       string
		warm       bool
		wantReused bool
	}{
		{"kept warm", true, true},
		{"left idle", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/ari/asterisk/ping" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"ping":"pong"}`))
			}))
			defer srv.Close()

			// The warmer pings 20 times per idle timeout: it may be held
			// up for most of a second before the kept connection expires.
			const idle = time.Second
			tr := &http.Transport{IdleConnTimeout: idle, MaxIdleConnsPerHost: 4}
			defer tr.CloseIdleConnections()
			c, err := New(Config{URL: srv.URL + "/ari", Username: "u", Password: "p", Timeout: 5 * time.Second},
				WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := c.Ping(ctx); err != nil {
				t.Fatalf("first request: %v", err)
			}
			var wg sync.WaitGroup
			warmCtx, stopWarm := context.WithCancel(ctx)
			if tc.warm {
				wg.Go(func() { c.KeepWarm(warmCtx, idle/20) })
			}
			time.Sleep(3 * idle) // a quiet spell, well past the idle timeout
			// The warmer stops before the request, so that the two never
			// need a connection at the same moment.
			stopWarm()
			wg.Wait()
			var reused, got bool
			trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused, got = info.Reused, true }}
			if _, err := c.Ping(httptrace.WithClientTrace(ctx, trace)); err != nil {
				t.Fatalf("request after the quiet spell: %v", err)
			}
			if !got {
				t.Fatal("the request after the quiet spell got no connection trace")
			}
			if reused != tc.wantReused {
				t.Fatalf("request after the quiet spell: connection reused %v, want %v", reused, tc.wantReused)
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
