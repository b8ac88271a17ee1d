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
	"os"
	"os/exec"
	"strconv"
	"strings"
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
	cluster  bool     // a Redis Cluster node
	extra    []string // more arguments (a replica's --replicaof)
	// sentinelConf, when set, makes the process a Sentinel (bin is
	// redis-sentinel) with this configuration file, which it rewrites.
	sentinelConf string
	stop         func() // stops the running process
	// signal sends sig to the running process (SIGSTOP, SIGCONT, SIGKILL).
	signal func(sig os.Signal) error
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
	start := Stop(tb, rdb)
	time.Sleep(down)
	if err := start(); err != nil {
		tb.Fatal(err)
	}
}

// Stop stops the server behind rdb as Restart does, and returns the
// function that starts it again on the same port with the same data: for
// a test that brings Redis back once something happened rather than after
// a set time. Start may be called from any goroutine, once.
func Stop(tb testing.TB, rdb *redis.Client) (start func() error) {
	tb.Helper()
	v, ok := servers.Load(rdb)
	if !ok {
		tb.Fatal("redistest: Stop of a client that Start did not return")
	}
	srv := v.(*server)
	srv.stop()
	return func() error {
		var err error
		for range portAttempts {
			if err = srv.launch(); err == nil {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("redistest: restart: %w", err)
	}
}

func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// launch starts the process and waits until it answers PING.
func (s *server) launch() error {
	addr := s.addr()
	out := &syncBuffer{}
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "yes", // survives Restart
		"--appendfsync", "everysec",
		"--dir", s.dir,
		"--daemonize", "no",
		"--loglevel", "warning",
		"--logfile", "",
	}
	if s.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000")
	}
	if s.sentinelConf != "" {
		args = []string{s.sentinelConf, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
			"--daemonize", "no", "--loglevel", "warning", "--logfile", ""}
	}
	args = append(args, s.extra...)
	cmd := exec.Command(s.bin, args...)
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
	s.signal = cmd.Process.Signal
	s.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Process.Signal(syscall.SIGCONT) // if a test paused it
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

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// StartCluster runs a Redis Cluster of masters redis-server processes
// (Debian's) with NewCluster, failing tb on error; it is stopped in
// tb.Cleanup.
func StartCluster(tb testing.TB, masters int) *redis.ClusterClient {
	tb.Helper()
	c, err := NewCluster(masters, tb.TempDir())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(c.Close)
	return c.Client
}

// Cluster is a Redis Cluster of redis-server processes.
type Cluster struct {
	// Client is a cluster client for it.
	Client *redis.ClusterClient
	nodes  []*server
}

// Close stops the client and every node.
func (c *Cluster) Close() {
	_ = c.Client.Close()
	for _, n := range c.nodes {
		n.stop()
	}
}

// NewCluster runs masters redis-server processes (Debian's) on free
// loopback ports with their files under dir, each with its share of the
// hash slots and no replicas, and waits until every node reports
// cluster_state:ok. Close stops them.
func NewCluster(masters int, dir string) (*Cluster, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found: install Debian's redis-server (testenv/up does)")
	}
	c := &Cluster{}
	fail := func(err error) (*Cluster, error) {
		for _, n := range c.nodes {
			n.stop()
		}
		return nil, err
	}
	addrs := make([]string, masters)
	for i := range masters {
		var srv *server
		for try := range portAttempts {
			port, perr := freePort()
			if perr != nil {
				return fail(perr)
			}
			srv = &server{bin: bin, dir: fmt.Sprintf("%s/node%d-%d", dir, i, try), port: port, cluster: true}
			if err = os.MkdirAll(srv.dir, 0o755); err != nil {
				return fail(err)
			}
			if err = srv.launch(); err == nil {
				break
			}
		}
		if err != nil {
			return fail(fmt.Errorf("cluster node: %w", err))
		}
		c.nodes = append(c.nodes, srv)
		addrs[i] = srv.addr()
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	per := clusterSlots / masters
	for i, srv := range c.nodes {
		rc := redis.NewClient(&redis.Options{Addr: srv.addr()})
		first, last := i*per, (i+1)*per-1
		if i == masters-1 {
			last = clusterSlots - 1
		}
		err := rc.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", first, last).Err()
		// Each node meets every node before it, rather than the first
		// alone and the rest through gossip: once, behind a busy
		// machine, a node still knew only two of three after 10 s.
		for j := 0; err == nil && j < i; j++ {
			err = rc.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(c.nodes[j].port)).Err()
		}
		_ = rc.Close()
		if err != nil {
			return fail(fmt.Errorf("cluster setup of %s: %w", srv.addr(), err))
		}
	}
	for _, srv := range c.nodes {
		rc := redis.NewClient(&redis.Options{Addr: srv.addr()})
		for {
			info, err := rc.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(masters)) {
				break
			}
			select {
			case <-ctx.Done():
				_ = rc.Close()
				return fail(fmt.Errorf("cluster not ready within %v: %v %s", startTimeout, err, info))
			case <-time.After(20 * time.Millisecond):
			}
		}
		_ = rc.Close()
	}
	c.Client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	return c, nil
}
