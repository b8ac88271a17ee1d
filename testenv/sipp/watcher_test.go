package sipp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// notify is a message-summary NOTIFY as Asterisk 22 sends it.
func notify(cseq int, counts string) string {
	waiting := "yes"
	if counts == "0/0" {
		waiting = "no"
	}
	body := fmt.Sprintf("Messages-Waiting: %s\r\nVoice-Message: %s (0/0)\r\n", waiting, counts)
	return fmt.Sprintf("NOTIFY sip:mwi-1001@127.0.0.1:5071 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bKPj%d\r\n"+
		"From: <sip:mwi-1001@127.0.0.1>;tag=abc\r\n"+
		"To: <sip:mwi-1001@127.0.0.1>\r\n"+
		"Call-ID: call-%d\r\n"+
		"CSeq: %d NOTIFY\r\n"+
		"Event: message-summary\r\n"+
		"Content-Type: application/simple-message-summary\r\n"+
		"Content-Length: %d\r\n\r\n%s", cseq, cseq, cseq, len(body), body)
}

// exchange sends a request to the watcher and returns its response.
func exchange(t *testing.T, conn net.Conn, req string) string {
	t.Helper()
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65535)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	return string(buf[:n])
}

func startWatcher(t *testing.T) (*Watcher, net.Conn) {
	t.Helper()
	w, err := Watch(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	conn, err := net.Dial("udp", w.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return w, conn
}

func TestWatcherAnswersAndRecords(t *testing.T) {
	w, conn := startWatcher(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	resp := exchange(t, conn, notify(1, "2/1"))
	for _, want := range []string{
		"SIP/2.0 200 OK\r\n",
		"Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bKPj1\r\n",
		"From: <sip:mwi-1001@127.0.0.1>;tag=abc\r\n",
		"To: <sip:mwi-1001@127.0.0.1>;tag=",
		"Call-ID: call-1\r\n",
		"CSeq: 1 NOTIFY\r\n",
		"Content-Length: 0\r\n\r\n",
	} {
		if !strings.Contains(resp, want) {
			t.Errorf("response lacks %q:\n%s", want, resp)
		}
	}
	s, err := w.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s.MessagesWaiting || s.New != 2 || s.Old != 1 || s.Account != "sip:mwi-1001@127.0.0.1" {
		t.Errorf("summary %+v", s)
	}

	// A retransmission is answered again but not recorded twice.
	exchange(t, conn, notify(1, "2/1"))
	// OPTIONS is answered, not recorded; INVITE is refused.
	if resp := exchange(t, conn, "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKo\r\nCall-ID: o\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n"); !strings.HasPrefix(resp, "SIP/2.0 200 OK\r\n") {
		t.Errorf("OPTIONS answered %q", resp)
	}
	if resp := exchange(t, conn, "INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKi\r\nCall-ID: i\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"); !strings.HasPrefix(resp, "SIP/2.0 501 ") {
		t.Errorf("INVITE answered %q", resp)
	}
	exchange(t, conn, notify(2, "0/0"))
	s, err = w.WaitFor(ctx, func(s Summary) bool { return s.New == 0 })
	if err != nil {
		t.Fatal(err)
	}
	if s.MessagesWaiting {
		t.Errorf("summary %+v, want none waiting", s)
	}
	if all := w.All(); len(all) != 2 {
		t.Errorf("recorded %d summaries, want 2: %+v", len(all), all)
	}
	if last, ok := w.Last(); !ok || last.New != 0 {
		t.Errorf("Last() = %+v, %v", last, ok)
	}
}

func TestWatcherNextIsBounded(t *testing.T) {
	w, _ := startWatcher(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := w.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next = %v, want DeadlineExceeded", err)
	}
	if _, ok := w.Last(); ok {
		t.Error("Last reports a summary before any came")
	}
}

func TestWatcherClose(t *testing.T) {
	w, _ := startWatcher(t)
	errc := make(chan error, 1)
	go func() {
		_, err := w.Next(context.Background())
		errc <- err
	}()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Next after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after Close")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestWatcherStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w, err := Watch(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitCtx, waitCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer waitCancel()
	if _, err := w.Next(waitCtx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after the context ended = %v, want ErrClosed", err)
	}
}

// Watch waits for an address another watcher holds.
func TestWatchWaitsForTheAddress(t *testing.T) {
	first, _ := startWatcher(t)
	addr := first.Addr().String()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Watch(ctx, addr); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Watch on a held address = %v, want it to wait until the deadline", err)
	}

	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		w, err := Watch(ctx, addr)
		if err == nil {
			err = w.Close()
		}
		got <- err
	}()
	_ = first.Close()
	if err := <-got; err != nil {
		t.Errorf("Watch after the first closed: %v", err)
	}
}

func TestWatchRejects(t *testing.T) {
	for _, addr := range []string{"10.0.0.1:5071", "nonsense", ":5071"} {
		if _, err := Watch(context.Background(), addr); !errors.Is(err, ErrBadOptions) {
			t.Errorf("Watch(%q) = %v, want ErrBadOptions", addr, err)
		}
	}
}

func TestWatcherAddr(t *testing.T) {
	for mailbox, want := range map[string]string{"1001": "127.0.0.1:5071", "1002@default": "127.0.0.1:5072"} {
		if got, err := WatcherAddr(mailbox); err != nil || got != want {
			t.Errorf("WatcherAddr(%q) = %q, %v; want %q", mailbox, got, err, want)
		}
	}
	if _, err := WatcherAddr("1003"); !errors.Is(err, ErrBadOptions) {
		t.Errorf("WatcherAddr(1003) = %v, want ErrBadOptions", err)
	}
}
