// Package redistest starts a private, throw-away redis-server for tests, in
// the manner of net/http/httptest: real Redis on a loopback port, gone when
// the test ends.
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds how long Start waits for the server to answer PING.
const startTimeout = 10 * time.Second

// stopTimeout bounds how long cleanup waits for the server to exit after
// SIGTERM before it kills it.
const stopTimeout = 5 * time.Second

// portAttempts is how many free ports Start tries: another process may take
// the port between choosing it and redis-server binding it.
const portAttempts = 3

// Start runs a new redis-server (Debian's, found on PATH) on a free loopback
// port with an append-only file in tb.TempDir() (so Restart keeps the data), waits until it
// answers PING, and returns a client for it. The client is closed and the
// server stopped in tb.Cleanup. Each call starts its own server, so tests
// may FLUSHALL freely.
func Start(tb testing.TB) *redis.Client {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatal("redis-server not found: install Debian's redis-server (testenv/up does)")
	}
	dir := tb.TempDir()
	var lastErr error
	for range portAttempts {
		rdb, err := start(tb, bin, dir)
		if err == nil {
			return rdb
		}
		lastErr = err
	}
	tb.Fatalf("redistest: %v", lastErr)
	return nil
}

// server is one redis-server process of a test, restartable on its port.
type server struct {
	bin, dir string
	port     int
	stop     func() // stops the running process
}

// servers maps each client Start returned to its server, for Restart.
var servers sync.Map

// start makes one attempt on one free port.
func start(tb testing.TB, bin, dir string) (*redis.Client, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	srv := &server{bin: bin, dir: dir, port: port}
	if err := srv.launch(); err != nil {
		return nil, err
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr()})
	servers.Store(rdb, srv)
	tb.Cleanup(func() {
		_ = rdb.Close()
		servers.Delete(rdb)
		srv.stop()
	})
	return rdb, nil
}

// Restart stops the server behind rdb as an operator would (SIGTERM: it
// writes its append-only file), waits down, and starts it again on the same
// port with the same data. Clients see connection errors meanwhile.
func Restart(tb testing.TB, rdb *redis.Client, down time.Duration) {
	tb.Helper()
	v, ok := servers.Load(rdb)
	if !ok {
		tb.Fatal("redistest: Restart of a client that Start did not return")
	}
	srv := v.(*server)
	srv.stop()
	time.Sleep(down)
	var err error
	for range portAttempts {
		if err = srv.launch(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("redistest: restart: %v", err)
}

func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// launch starts the process and waits until it answers PING.
func (s *server) launch() error {
	addr := s.addr()
	out := &syncBuffer{}
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "yes", // survives Restart
		"--appendfsync", "everysec",
		"--dir", s.dir,
		"--daemonize", "no",
		"--loglevel", "warning",
		"--logfile", "",
	)
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	// A probe client without retries, so each PING fails fast while the
	// server is still starting.
	probe := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer probe.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := probe.Ping(ctx).Err()
		if err == nil {
			// The port was free when chosen, but another test's server
			// may have taken it since: make sure this server answered.
			err = ownServer(ctx, probe, cmd.Process.Pid)
		}
		cancel()
		if err == nil {
			return nil
		}
		if errors.Is(err, errNotOurs) {
			s.stop()
			return fmt.Errorf("redis-server on %s: %w", addr, err)
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited: %v\n%s", addr, err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("redis-server on %s: no PING reply within %v: %v\n%s", addr, startTimeout, err, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("find a free port: not a TCP address")
	}
	return addr.Port, nil
}

// syncBuffer collects the server's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// errNotOurs says the port answered, but from another redis-server.
var errNotOurs = errors.New("another redis-server answered on this port")

// ownServer checks that the Redis answering is the process pid.
func ownServer(ctx context.Context, probe *redis.Client, pid int) error {
	info, err := probe.Info(ctx, "server").Result()
	if err != nil {
		return err
	}
	want := "process_id:" + strconv.Itoa(pid)
	for _, line := range bytes.Split([]byte(info), []byte("\n")) {
		if string(bytes.TrimSpace(line)) == want {
			return nil
		}
	}
	return errNotOurs
}
