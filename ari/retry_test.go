package ari

import (
	"bufio"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// A keep-alive connection that the server closes just as the client reuses
// it (Asterisk's session_keep_alive) loses the request before any answer.
// The client sends it again on a new connection, except keys pressed, which
// must never be doubled.
func TestRequestRetriedOnClosedKeepAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var served atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for n := 0; ; n++ {
					req, err := http.ReadRequest(r)
					if err != nil {
						return
					}
					if n == 1 {
						return // the second request on a connection: closed unanswered
					}
					served.Add(1)
					_ = req.Body.Close()
					_, _ = conn.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
				}
			}()
		}
	}()
	c, err := New(Config{URL: "http://" + ln.Addr().String() + "/ari", Username: "u"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := c.Answer(ctx, "ch-1"); err != nil {
		t.Fatalf("first answer: %v", err)
	}
	if err := c.Answer(ctx, "ch-1"); err != nil {
		t.Fatalf("answer on a keep-alive connection closed unanswered: %v, want it retried", err)
	}
	if err := c.SendDTMF(ctx, "ch-1", "1", DTMFOptions{}); err == nil {
		t.Fatal("keys pressed were sent twice")
	}
	if n := served.Load(); n != 2 {
		t.Errorf("server answered %d requests, want 2", n)
	}
}
