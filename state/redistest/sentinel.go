package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name the Sentinels of NewSentinel monitor the
// master by.
const SentinelMaster = "mymaster"

// Sentinel timings of NewSentinel: a master that does not answer for
// sentinelDownAfter is subjectively down, and a failover that has not
// finished within sentinelFailoverTimeout is given up (and may not be
// retried for twice that).
const (
	sentinelDownAfter       = time.Second
	sentinelFailoverTimeout = 10 * time.Second
	// sentinelReady bounds NewSentinel's wait for the replicas to sync and
	// the Sentinels to find the replicas and each other (they announce
	// themselves every 2 s through the master).
	sentinelReady = 20 * time.Second
)

// Sentinel is a Redis master with its replicas, watched by Sentinels: the
// redis-server and redis-sentinel processes of Debian's redis-server and
// redis-sentinel packages, on free loopback ports.
type Sentinel struct {
	// MasterName is the name the Sentinels monitor the master by.
	MasterName string
	// SentinelAddrs are the Sentinels' host:port, for a failover client.
	SentinelAddrs []string
	nodes         []*server // data nodes: nodes[0] is the first master
	sentinels     []*server
}

// StartSentinel runs NewSentinel(replicas, 3, tb.TempDir()), failing tb on
// error; everything is stopped in tb.Cleanup.
func StartSentinel(tb testing.TB, replicas int) *Sentinel {
	tb.Helper()
	s, err := NewSentinel(replicas, 3, tb.TempDir())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// NewSentinel runs a master, replicas replicas of it and sentinels
// Sentinels (quorum: a majority of them) with their files under dir, and
// waits until the replicas are in sync and every Sentinel knows every
// replica and every other Sentinel. A master that does not answer for a
// second is down. Close stops them.
func NewSentinel(replicas, sentinels int, dir string) (*Sentinel, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found: install Debian's redis-server (testenv/up does)")
	}
	sbin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		return nil, errors.New("redis-sentinel not found: install Debian's redis-sentinel (testenv/up does)")
	}
	s := &Sentinel{MasterName: SentinelMaster}
	fail := func(err error) (*Sentinel, error) {
		s.Close()
		return nil, err
	}
	for i := range 1 + replicas {
		// Any node may become the master: none waits for more replicas
		// before a full sync (7.0's default waits 5 s).
		extra := []string{"--repl-diskless-sync-delay", "0"}
		if i > 0 {
			extra = append(extra, "--replicaof", "127.0.0.1", strconv.Itoa(s.nodes[0].port))
		}
		srv, err := launchIn(fmt.Sprintf("%s/node%d", dir, i), func(port int, dir string) *server {
			return &server{bin: bin, dir: dir, port: port, extra: extra}
		})
		if err != nil {
			return fail(fmt.Errorf("sentinel's data node: %w", err))
		}
		s.nodes = append(s.nodes, srv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), sentinelReady)
	defer cancel()
	if err := s.WaitReplicas(ctx, s.nodes[0].addr(), replicas); err != nil {
		return fail(err)
	}
	quorum := sentinels/2 + 1
	for i := range sentinels {
		srv, err := launchIn(fmt.Sprintf("%s/sentinel%d", dir, i), func(port int, dir string) *server {
			conf := filepath.Join(dir, "sentinel.conf")
			return &server{bin: sbin, dir: dir, port: port, sentinelConf: conf}
		}, func(srv *server) error {
			return os.WriteFile(srv.sentinelConf, []byte(fmt.Sprintf(
				"dir %s\nsentinel resolve-hostnames no\n"+
					"sentinel monitor %s 127.0.0.1 %d %d\n"+
					"sentinel down-after-milliseconds %s %d\n"+
					"sentinel failover-timeout %s %d\n"+
					"sentinel parallel-syncs %s 1\n",
				srv.dir, s.MasterName, s.nodes[0].port, quorum,
				s.MasterName, sentinelDownAfter.Milliseconds(),
				s.MasterName, sentinelFailoverTimeout.Milliseconds(), s.MasterName)), 0o600)
		})
		if err != nil {
			return fail(fmt.Errorf("sentinel: %w", err))
		}
		s.sentinels = append(s.sentinels, srv)
		s.SentinelAddrs = append(s.SentinelAddrs, srv.addr())
	}
	// Sentinels learn the replicas from the master's INFO and each other
	// from their hello messages.
	for _, addr := range s.SentinelAddrs {
		sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
		err := poll(ctx, func() error {
			m, err := sc.Master(ctx, s.MasterName).Result()
			if err != nil {
				return err
			}
			if m["num-slaves"] != strconv.Itoa(replicas) || m["num-other-sentinels"] != strconv.Itoa(sentinels-1) {
				return fmt.Errorf("sentinel %s sees %s replicas and %s other sentinels", addr, m["num-slaves"], m["num-other-sentinels"])
			}
			return nil
		})
		_ = sc.Close()
		if err != nil {
			return fail(fmt.Errorf("sentinels not ready within %v: %w", sentinelReady, err))
		}
	}
	return s, nil
}

// launchIn starts the server that mk makes on a free port, with dir
// (created) as its directory, after the prepare steps; it tries
// portAttempts ports.
func launchIn(dir string, mk func(port int, dir string) *server, prepare ...func(*server) error) (*server, error) {
	var err error
	for try := range portAttempts {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		srv := mk(port, fmt.Sprintf("%s-%d", dir, try))
		if err = os.MkdirAll(srv.dir, 0o755); err != nil {
			return nil, err
		}
		for _, p := range prepare {
			if err = p(srv); err != nil {
				return nil, err
			}
		}
		if err = srv.launch(); err == nil {
			return srv, nil
		}
	}
	return nil, err
}

// Close stops every Sentinel and data node.
func (s *Sentinel) Close() {
	for _, n := range s.sentinels {
		n.stop()
	}
	for _, n := range s.nodes {
		n.stop()
	}
}

// Client returns a failover client of the master (go-redis'
// NewFailoverClient), which the caller closes. Each opt changes its options.
func (s *Sentinel) Client(opts ...func(*redis.FailoverOptions)) *redis.Client {
	o := &redis.FailoverOptions{MasterName: s.MasterName, SentinelAddrs: s.SentinelAddrs}
	for _, opt := range opts {
		opt(o)
	}
	return redis.NewFailoverClient(o)
}

// Nodes returns the host:port of every data node, master and replicas.
func (s *Sentinel) Nodes() []string {
	out := make([]string, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.addr()
	}
	return out
}

// MasterAddr returns the host:port of the master, as the first Sentinel
// that answers names it.
func (s *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	var last error
	for _, addr := range s.SentinelAddrs {
		sc := redis.NewSentinelClient(&redis.Options{Addr: addr, MaxRetries: -1})
		hp, err := sc.GetMasterAddrByName(ctx, s.MasterName).Result()
		_ = sc.Close()
		if err == nil && len(hp) == 2 {
			return net.JoinHostPort(hp[0], hp[1]), nil
		}
		last = err
	}
	return "", fmt.Errorf("master of %s: no sentinel answered: %w", s.MasterName, last)
}

// Failover makes the Sentinels promote a replica (SENTINEL FAILOVER, which
// does not wait for the master to fail), and returns the new master's
// host:port once every Sentinel names it and it is a master. The old
// master may still be one for a few seconds, until the Sentinels turn it
// into a replica: a client that writes to it meanwhile (not a failover
// client, which follows the Sentinels) loses those writes.
func (s *Sentinel) Failover(ctx context.Context) (string, error) {
	old, err := s.MasterAddr(ctx)
	if err != nil {
		return "", err
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.SentinelAddrs[0]})
	defer sc.Close()
	// NOGOODSLAVE while no replica qualifies yet; INPROG while another
	// failover runs.
	if err := poll(ctx, func() error { return sc.Failover(ctx, s.MasterName).Err() }); err != nil {
		return "", fmt.Errorf("SENTINEL FAILOVER: %w", err)
	}
	return s.WaitMaster(ctx, old)
}

// WaitMaster waits until the Sentinels agree on a master other than old
// and that node is a master; it returns the new master's host:port.
func (s *Sentinel) WaitMaster(ctx context.Context, old string) (string, error) {
	var master string
	err := poll(ctx, func() error {
		var agreed string
		for _, addr := range s.SentinelAddrs {
			sc := redis.NewSentinelClient(&redis.Options{Addr: addr, MaxRetries: -1})
			hp, err := sc.GetMasterAddrByName(ctx, s.MasterName).Result()
			_ = sc.Close()
			if err != nil {
				continue // a Sentinel that is down does not vote
			}
			m := net.JoinHostPort(hp[0], hp[1])
			if m == old || (agreed != "" && m != agreed) {
				return fmt.Errorf("sentinel %s names %s (old %s)", addr, m, old)
			}
			agreed = m
		}
		if agreed == "" {
			return errors.New("no sentinel answered")
		}
		if role, _ := nodeRole(ctx, agreed); role != "master" {
			return fmt.Errorf("%s is %q, not yet master", agreed, role)
		}
		master = agreed
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("failover of %s: %w", s.MasterName, err)
	}
	return master, nil
}

// WaitReplicas waits until master has n replicas online, each with every
// write the master had when WaitReplicas was called (its replication
// offset then).
func (s *Sentinel) WaitReplicas(ctx context.Context, master string, n int) error {
	rc := redis.NewClient(&redis.Options{Addr: master, MaxRetries: -1})
	defer rc.Close()
	var target int64 = -1
	err := poll(ctx, func() error {
		info, err := rc.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		f := infoFields(info)
		if target < 0 {
			target, _ = strconv.ParseInt(f["master_repl_offset"], 10, 64)
		}
		if f["connected_slaves"] != strconv.Itoa(n) {
			return fmt.Errorf("%s has %s replicas connected", master, f["connected_slaves"])
		}
		for i := range n {
			slave := f["slave"+strconv.Itoa(i)] // ip=…,port=…,state=online,offset=…,lag=…
			var offset int64 = -1
			for _, kv := range strings.Split(slave, ",") {
				if v, ok := strings.CutPrefix(kv, "offset="); ok {
					offset, _ = strconv.ParseInt(v, 10, 64)
				}
			}
			if !strings.Contains(slave, "state=online") || offset < target {
				return fmt.Errorf("replica %d of %s short of offset %d: %s", i, master, target, slave)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replicas of %s not in sync: %w", master, err)
	}
	return nil
}

// Pause stops the data node at addr (SIGSTOP): it holds its connections
// but answers nothing, as a hung host would. Resume (or Close) continues it.
func (s *Sentinel) Pause(addr string) error { return s.signal(addr, syscall.SIGSTOP) }

// Resume continues a data node that Pause stopped (SIGCONT).
func (s *Sentinel) Resume(addr string) error { return s.signal(addr, syscall.SIGCONT) }

// Kill ends the data node at addr at once (SIGKILL), as a crash would.
func (s *Sentinel) Kill(addr string) error { return s.signal(addr, syscall.SIGKILL) }

func (s *Sentinel) signal(addr string, sig os.Signal) error {
	for _, n := range s.nodes {
		if n.addr() == addr {
			return n.signal(sig)
		}
	}
	return fmt.Errorf("redistest: no data node at %s", addr)
}

// nodeRole returns the role line of a node's INFO replication: master or
// slave.
func nodeRole(ctx context.Context, addr string) (string, error) {
	rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 500 * time.Millisecond})
	defer rc.Close()
	info, err := rc.Info(ctx, "replication").Result()
	if err != nil {
		return "", err
	}
	return infoFields(info)["role"], nil
}

// infoFields splits the name:value lines of an INFO reply.
func infoFields(info string) map[string]string {
	f := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			f[k] = v
		}
	}
	return f
}

// poll calls try every 50 ms until it returns nil or ctx ends; then it
// returns try's last error.
func poll(ctx context.Context, try func() error) error {
	for {
		err := try()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
