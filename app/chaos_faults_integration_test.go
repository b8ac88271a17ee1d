package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clusterpbx/voicemail/state/redistest"
)

// The fault driver of the chaos test (chaos_integration_test.go): the
// voicemail processes it kills, freezes and restarts, and the faults.

// Kinds of faults.
const (
	faultKill     = "kill"     // SIGKILL an instance, restart it
	faultStop     = "stop"     // SIGSTOP an instance for longer than its lease, SIGCONT
	faultRedis    = "redis"    // restart Redis (SIGTERM, AOF kept)
	faultARICut   = "ari-cut"  // cut one instance's ARI (REST and WebSocket)
	faultSentinel = "sentinel" // fail the Redis master over through Sentinel
)

// chaosInstance is one voicemail process of the run, restartable with the
// same instance id (as systemd or compose restart a crashed one).
type chaosInstance struct {
	id      string
	bin     string
	args    []string
	logPath string
	ops     string // host:port of its ops server (/readyz)

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// start starts the process, its output appended to its log.
func (in *chaosInstance) start() error {
	f, err := os.OpenFile(in.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(in.bin, in.args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return fmt.Errorf("start instance %s: %w", in.id, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(exited)
	}()
	in.mu.Lock()
	in.cmd, in.exited = cmd, exited
	in.mu.Unlock()
	return nil
}

// signal sends sig to the running process.
func (in *chaosInstance) signal(sig syscall.Signal) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cmd == nil {
		return fmt.Errorf("instance %s not started", in.id)
	}
	return in.cmd.Process.Signal(sig)
}

// kill kills the process with SIGKILL and waits for it, 10 s at most.
func (in *chaosInstance) kill() error {
	_ = in.signal(syscall.SIGCONT) // a stopped process dies as well, but be sure
	if err := in.signal(syscall.SIGKILL); err != nil {
		return err
	}
	in.mu.Lock()
	exited := in.exited
	in.mu.Unlock()
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("instance %s did not exit within 10s of SIGKILL", in.id)
	}
}

// running reports whether the process has not exited.
func (in *chaosInstance) running() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.exited == nil {
		return false
	}
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// waitReady polls /readyz (event stream connected, Redis answering) until
// it says 200, within bound.
func (in *chaosInstance) waitReady(ctx context.Context, bound time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+in.ops+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("instance %s not ready within %v", in.id, bound)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// chaosFault is one fault as injected.
type chaosFault struct {
	kind   string
	target string
	at     time.Time // when it began
	end    time.Time // when it was lifted (restart issued, SIGCONT, link up)
	note   string
	// skipped says why the fault was not injected ("" when it was).
	skipped string
}

// freeLoopbackAddr returns a loopback address with a free TCP port.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// inject applies one planned fault and lifts it.
func (r *chaosRun) inject(ctx context.Context, p chaosPlannedFault) {
	t := r.t
	f := &chaosFault{kind: p.kind, at: time.Now()}
	defer func() {
		if f.end.IsZero() {
			f.end = time.Now()
		}
		r.mu.Lock()
		r.faults = append(r.faults, f)
		r.mu.Unlock()
		if f.skipped != "" {
			t.Logf("%s fault %s skipped: %s", r.rel(f.at), f.kind, f.skipped)
			return
		}
		t.Logf("%s fault %s %s, lifted at %s %s", r.rel(f.at), f.kind, f.target, r.rel(f.end), f.note)
	}()
	switch p.kind {
	case faultKill:
		in := r.instances[p.target]
		f.target = in.id
		if err := in.kill(); err != nil {
			t.Errorf("fault %s: %v", p.kind, err)
			return
		}
		sleepCtx(ctx, p.after)
		f.end = time.Now()
		if err := in.start(); err != nil {
			t.Errorf("fault %s: restart: %v", p.kind, err)
			return
		}
		if err := in.waitReady(ctx, 20*time.Second); err != nil {
			f.note = fmt.Sprintf("(restarted after %v; %v)", p.after, err)
			return
		}
		f.note = fmt.Sprintf("(restarted after %v, ready %v later)", p.after, time.Since(f.end).Round(time.Millisecond))
	case faultStop:
		in := r.instances[p.target]
		f.target = in.id
		if err := in.signal(syscall.SIGSTOP); err != nil {
			t.Errorf("fault %s: %v", p.kind, err)
			return
		}
		sleepCtx(ctx, chaosStopFor)
		f.end = time.Now()
		if err := in.signal(syscall.SIGCONT); err != nil {
			t.Errorf("fault %s: SIGCONT: %v", p.kind, err)
		}
		f.note = fmt.Sprintf("(stopped %v, lease %v)", chaosStopFor, chaosLease)
	case faultRedis:
		// SIGTERM: Redis flushes and fsyncs its append-only file on a
		// clean shutdown (redis.io SHUTDOWN: "flush the Append Only File
		// if AOF is enabled"), so every write it acknowledged survives
		// the restart. SIGKILL would too, as Redis write(2)s the AOF
		// buffer before it replies (server.c beforeSleep), unless an
		// fsync lagged over 2 s; a clean restart keeps the fault about
		// the app, not about the disk.
		f.target = r.h.rdb.Options().Addr
		r.redisDown.Store(true)
		redistest.Restart(t, r.h.rdb, chaosRedisDown)
		r.redisDown.Store(false)
		f.end = time.Now()
		f.note = fmt.Sprintf("(down %v, AOF everysec, clean shutdown)", chaosRedisDown)
	case faultARICut:
		f.target = r.instances[0].id
		r.link.cut(chaosCutFor)
		sleepCtx(ctx, chaosCutFor)
		f.end = time.Now()
		f.note = fmt.Sprintf("(REST and WebSocket cut and refused for %v)", chaosCutFor)
	case faultSentinel:
		if r.sentinel == nil {
			f.skipped = r.sentinelReason
			return
		}
		f.target = redistest.SentinelMaster
		note, err := r.sentinel.failover(ctx)
		if err != nil {
			t.Errorf("fault %s: %v", p.kind, err)
		}
		f.note = note
	}
}

// sleepCtx sleeps d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// chaosSentinel is the Sentinel deployment of the run's Redis: a master,
// one replica and three Sentinels of its own (redistest), which the
// instances reach through the Sentinels, each write whose loss matters
// waiting for the replica (redis.min_replicas 1).
type chaosSentinel struct {
	sn *redistest.Sentinel
}

// chaosSentinelConfig returns the Sentinel deployment the run fails over,
// or nil and why there is none: the run is behind Sentinel only with
// VOICEMAIL_TEST_REDIS_MODE=sentinel (testenv/test's Sentinel step), as
// the other Sentinel tests are, each on a Sentinel set of its own.
func chaosSentinelConfig(t *testing.T) (*chaosSentinel, string) {
	if os.Getenv("VOICEMAIL_TEST_REDIS_MODE") != "sentinel" {
		return nil, "the run is on one Redis (VOICEMAIL_TEST_REDIS_MODE=sentinel runs the plan behind Sentinel)"
	}
	return &chaosSentinel{sn: redistest.StartSentinel(t, 1)}, ""
}

// client returns a failover client of the master, closed with the test.
func (s *chaosSentinel) client(t *testing.T) *redis.Client {
	c := s.sn.Client()
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// redisArgs are the instances' flags to reach Redis through the Sentinels.
func (s *chaosSentinel) redisArgs() []string {
	return []string{"--redis.addrs", strings.Join(s.sn.SentinelAddrs, ","), "--redis.master_name", s.sn.MasterName,
		"--redis.min_replicas", "1"}
}

// failover asks the Sentinels to fail the master over (SENTINEL FAILOVER)
// once the replica has every write of the master, and waits, 30 s at
// most, until they all name the replica as master; then until the old
// master, turned replica, has caught up, so that writes waiting for a
// replica go through again.
func (s *chaosSentinel) failover(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	old, err := s.sn.MasterAddr(ctx)
	if err != nil {
		return "", err
	}
	if err := s.sn.WaitReplicas(ctx, old, 1); err != nil {
		return "", err
	}
	master, err := s.sn.Failover(ctx)
	if err != nil {
		return "", err
	}
	start := time.Now()
	if err := s.sn.WaitReplicas(ctx, master, 1); err != nil {
		return "", fmt.Errorf("after the failover to %s: %w", master, err)
	}
	return fmt.Sprintf("(master %s -> %s, old master a replica again %v later)", old, master, time.Since(start).Round(100*time.Millisecond)), nil
}
