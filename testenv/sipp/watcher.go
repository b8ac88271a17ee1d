package sipp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Watcher is a phone's message-waiting light: a SIP UDP endpoint that
// answers every request with 200 OK (501 for INVITE and the like) and keeps
// the message-summary NOTIFYs it receives. Asterisk sends them unsolicited
// to the static contact of an endpoint with mailboxes= set;
// testenv/asterisk/pjsip.conf has mwi-1001 on 127.0.0.1:5071 and mwi-1002 on
// 127.0.0.1:5072 ([WatcherAddr]).
type Watcher struct {
	conn net.PacketConn
	done chan struct{} // closed when the read loop ends

	mu      sync.Mutex
	stop    func() bool // stops the context.AfterFunc that closes w
	got     []Summary
	cursor  int           // the next summary Next returns
	changed chan struct{} // closed and replaced on every change
	closed  bool
	seen    map[string]bool // Call-ID and CSeq of the NOTIFYs kept
	err     error           // why the read loop ended, if not Close
}

// WatcherAddr returns where Asterisk sends the message-waiting NOTIFYs of
// mailbox (1001 or 1002, in context default) in the test environment.
func WatcherAddr(mailbox string) (string, error) {
	switch mailbox {
	case "1001", "1001@default":
		return "127.0.0.1:5071", nil
	case "1002", "1002@default":
		return "127.0.0.1:5072", nil
	}
	return "", fmt.Errorf("%w: no MWI watcher endpoint for mailbox %q in testenv/asterisk/pjsip.conf", ErrBadOptions, mailbox)
}

// Watch listens on listen (a loopback UDP host:port) until Close or the
// end of ctx. The watcher addresses are fixed by the Asterisk config, and
// go test runs packages in parallel: while another watcher (of this or
// another test process) holds the address, Watch waits for it, until ctx
// ends.
func Watch(ctx context.Context, listen string) (*Watcher, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("%w: listen %q: %v", ErrBadOptions, listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%w: listen %q: want a loopback address", ErrBadOptions, listen)
	}
	conn, err := listenShared(ctx, listen)
	if err != nil {
		return nil, fmt.Errorf("sipp: watch %s: %w", listen, err)
	}
	w := &Watcher{conn: conn, done: make(chan struct{}), changed: make(chan struct{}), seen: map[string]bool{}}
	go w.run()
	w.mu.Lock() // Close, from AfterFunc, waits for stop.
	w.stop = context.AfterFunc(ctx, func() { _ = w.Close() })
	w.mu.Unlock()
	return w, nil
}

// listenShared binds addr, waiting while it is in use.
func listenShared(ctx context.Context, addr string) (net.PacketConn, error) {
	var lc net.ListenConfig
	for {
		conn, err := lc.ListenPacket(ctx, "udp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			return conn, err
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (waited for it: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// Addr returns the address the watcher listens on.
func (w *Watcher) Addr() net.Addr { return w.conn.LocalAddr() }

// Close stops the watcher and waits for it. Waiting calls return ErrClosed.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return nil
	}
	w.closed = true
	w.notifyLocked()
	stop := w.stop
	w.mu.Unlock()
	stop()
	err := w.conn.Close()
	<-w.done
	return err
}

// Next returns the next summary received after the one Next last
// returned, waiting for it until ctx ends.
func (w *Watcher) Next(ctx context.Context) (Summary, error) {
	for {
		w.mu.Lock()
		if w.cursor < len(w.got) {
			s := w.got[w.cursor]
			w.cursor++
			w.mu.Unlock()
			return s, nil
		}
		if w.closed || w.err != nil {
			err := w.err
			w.mu.Unlock()
			if err == nil {
				err = ErrClosed
			}
			return Summary{}, err
		}
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Summary{}, fmt.Errorf("sipp: waiting for a message-summary NOTIFY on %s: %w", w.Addr(), ctx.Err())
		}
	}
}

// WaitFor returns the first summary from Next on that match holds for,
// skipping the others.
func (w *Watcher) WaitFor(ctx context.Context, match func(Summary) bool) (Summary, error) {
	var seen []string
	for {
		s, err := w.Next(ctx)
		if err != nil {
			if len(seen) > 0 {
				err = fmt.Errorf("%w (skipped %s)", err, strings.Join(seen, ", "))
			}
			return Summary{}, err
		}
		if match(s) {
			return s, nil
		}
		seen = append(seen, s.String())
	}
}

// Last returns the latest summary received, if any.
func (w *Watcher) Last() (Summary, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.got) == 0 {
		return Summary{}, false
	}
	return w.got[len(w.got)-1], true
}

// All returns every summary received so far.
func (w *Watcher) All() []Summary {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Summary(nil), w.got...)
}

func (w *Watcher) notifyLocked() {
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *Watcher) run() {
	defer close(w.done)
	buf := make([]byte, 65535)
	for {
		n, from, err := w.conn.ReadFrom(buf)
		if err != nil {
			w.mu.Lock()
			if !w.closed && !errors.Is(err, net.ErrClosed) {
				w.err = fmt.Errorf("sipp: watcher %s: %w", w.Addr(), err)
				w.notifyLocked()
			}
			w.mu.Unlock()
			return
		}
		w.handle(buf[:n], from)
	}
}

// handle answers one datagram and keeps its summary.
func (w *Watcher) handle(datagram []byte, from net.Addr) {
	req, err := parseRequest(string(datagram))
	if err != nil || req.Method == "ACK" {
		return // Not a request we can answer: a phone drops it too.
	}
	code, reason := 200, "OK"
	switch req.Method {
	case "NOTIFY", "OPTIONS":
	default:
		code, reason = 501, "Not Implemented"
	}
	_, _ = w.conn.WriteTo([]byte(req.response(code, reason)), from)
	if req.Method != "NOTIFY" || !strings.EqualFold(eventPackage(req.Header("Event")), "message-summary") {
		return
	}
	s, err := parseSummary(req.Body)
	if err != nil {
		return
	}
	if s.Account == "" {
		s.Account = headerURI(req.Header("To"))
	}
	s.At = time.Now()
	id := req.Header("Call-ID") + " " + req.Header("CSeq")
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[id] {
		return // a retransmission: our 200 OK crossed it
	}
	w.seen[id] = true
	w.got = append(w.got, s)
	w.notifyLocked()
}

// headerURI returns the URI of a From or To header value
// ("sip:mwi-1001@127.0.0.1" of "<sip:mwi-1001@127.0.0.1>;tag=x").
func headerURI(v string) string {
	if _, rest, ok := strings.Cut(v, "<"); ok {
		uri, _, _ := strings.Cut(rest, ">")
		return uri
	}
	uri, _, _ := strings.Cut(v, ";")
	return strings.TrimSpace(uri)
}

// eventPackage returns the package of an Event header ("message-summary"
// of "message-summary;id=1").
func eventPackage(v string) string {
	p, _, _ := strings.Cut(v, ";")
	return strings.TrimSpace(p)
}

// sipRequest is a parsed SIP request, as much as a watcher needs.
type sipRequest struct {
	Method  string
	headers []sipHeader // in order
	Body    string
}

type sipHeader struct{ Name, Value string }

// compactHeaders maps the compact forms of headers (RFC 3261 7.3.3) used
// here to their names.
var compactHeaders = map[string]string{
	"v": "Via", "f": "From", "t": "To", "i": "Call-ID", "l": "Content-Length", "o": "Event", "c": "Content-Type", "m": "Contact",
}

// parseRequest parses a SIP request from one UDP datagram.
func parseRequest(msg string) (sipRequest, error) {
	head, body, ok := strings.Cut(msg, "\r\n\r\n")
	if !ok {
		head, body, ok = strings.Cut(msg, "\n\n")
		if !ok {
			return sipRequest{}, errors.New("no end of headers")
		}
	}
	lines := strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n")
	start := strings.Fields(lines[0])
	if len(start) != 3 || start[2] != "SIP/2.0" {
		return sipRequest{}, fmt.Errorf("not a request line: %q", lines[0])
	}
	req := sipRequest{Method: start[0]}
	for _, line := range lines[1:] {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(req.headers) > 0 { // folded
			req.headers[len(req.headers)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return sipRequest{}, fmt.Errorf("bad header line %q", line)
		}
		name = strings.TrimSpace(name)
		if full, ok := compactHeaders[strings.ToLower(name)]; ok {
			name = full
		}
		req.headers = append(req.headers, sipHeader{name, strings.TrimSpace(value)})
	}
	if cl := req.Header("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > len(body) {
			return sipRequest{}, fmt.Errorf("bad Content-Length %q", cl)
		}
		body = body[:n]
	}
	req.Body = body
	return req, nil
}

// Header returns the first value of a header, "" if none.
func (r sipRequest) Header(name string) string {
	for _, h := range r.headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// response builds a response to r (RFC 3261 8.2.6.2): its Vias, From,
// Call-ID and CSeq, and its To with a tag.
func (r sipRequest) response(code int, reason string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	for _, h := range r.headers {
		switch strings.ToLower(h.Name) {
		case "via", "from", "call-id", "cseq":
			fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
		case "to":
			v := h.Value
			if !strings.Contains(strings.ToLower(v), ";tag=") {
				v += ";tag=testenv-mwi"
			}
			fmt.Fprintf(&b, "%s: %s\r\n", h.Name, v)
		}
	}
	b.WriteString("User-Agent: testenv-sipp-watcher\r\nContent-Length: 0\r\n\r\n")
	return b.String()
}
