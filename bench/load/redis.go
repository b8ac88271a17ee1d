package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is the Redis the app under test uses: a private
// redis-server started here, or a given one whose DB is flushed.
type redisServer struct {
	Addr string
	DB   int
	// PID is the private server's pid, 0 for a given server.
	PID int
	rdb *redis.Client
	cmd *exec.Cmd
	out *bytes.Buffer
}

// startRedis starts a private redis-server on a free loopback port (addr
// "") or connects to addr and flushes db.
func startRedis(ctx context.Context, addr string, db int, dir string) (*redisServer, error) {
	if addr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		if err := rdb.FlushDB(ctx).Err(); err != nil {
			_ = rdb.Close()
			return nil, fmt.Errorf("load: redis %s db %d: %w", addr, db, err)
		}
		return &redisServer{Addr: addr, DB: db, rdb: rdb}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("load: redis-server not found on PATH (testenv/up installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("load: free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	out := &bytes.Buffer{}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
		"--loglevel", "warning", "--logfile", "")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("load: start redis-server: %w", err)
	}
	s := &redisServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), PID: cmd.Process.Pid, cmd: cmd, out: out}
	s.rdb = redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	deadline := time.Now().Add(10 * time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := s.rdb.Ping(pctx).Err()
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.close(context.Background())
			return nil, fmt.Errorf("load: redis-server on %s did not answer: %v\n%s", s.Addr, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = s.rdb.Close()
	s.rdb = redis.NewClient(&redis.Options{Addr: s.Addr})
	return s, nil
}

// close stops a private server, or flushes the DB of a given one.
func (s *redisServer) close(ctx context.Context) {
	if s.cmd == nil {
		_ = s.rdb.FlushDB(ctx).Err()
		_ = s.rdb.Close()
		return
	}
	_ = s.rdb.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// redisStats is what INFO says at one moment.
type redisStats struct {
	// Calls counts calls per command (INFO commandstats). Commands run
	// inside Lua scripts are counted too (Redis 7.0: a script of two
	// redis.call adds EVALSHA and both commands), so the total is the
	// commands Redis executed, not the round trips; EVALSHA counts the
	// scripts.
	Calls map[string]int64
	// CPU is used_cpu_user plus used_cpu_sys.
	CPU time.Duration
	// NetIn and NetOut are total_net_input_bytes and total_net_output_bytes.
	NetIn, NetOut int64
}

// stats reads INFO commandstats, stats and cpu.
func (s *redisServer) stats(ctx context.Context) (redisStats, error) {
	info, err := s.rdb.Info(ctx, "commandstats", "stats", "cpu").Result()
	if err != nil {
		return redisStats{}, fmt.Errorf("load: redis INFO: %w", err)
	}
	return parseInfo(info), nil
}

// parseInfo reads the fields of redisStats from INFO text.
func parseInfo(info string) redisStats {
	st := redisStats{Calls: map[string]int64{}}
	var cpu float64
	for line := range strings.SplitSeq(info, "\n") {
		line = strings.TrimSpace(line)
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(key, "cmdstat_"):
			// cmdstat_get:calls=12,usec=30,usec_per_call=2.50,...
			for kv := range strings.SplitSeq(val, ",") {
				if n, ok := strings.CutPrefix(kv, "calls="); ok {
					c, _ := strconv.ParseInt(n, 10, 64)
					st.Calls[strings.TrimPrefix(key, "cmdstat_")] = c
				}
			}
		case key == "total_net_input_bytes":
			st.NetIn, _ = strconv.ParseInt(val, 10, 64)
		case key == "total_net_output_bytes":
			st.NetOut, _ = strconv.ParseInt(val, 10, 64)
		case key == "used_cpu_user" || key == "used_cpu_sys":
			f, _ := strconv.ParseFloat(val, 64)
			cpu += f
		}
	}
	st.CPU = time.Duration(cpu * float64(time.Second))
	return st
}

// sub returns s minus before; the INFO commands that measure are left out.
func (s redisStats) sub(before redisStats) redisStats {
	d := redisStats{
		Calls:  map[string]int64{},
		CPU:    s.CPU - before.CPU,
		NetIn:  s.NetIn - before.NetIn,
		NetOut: s.NetOut - before.NetOut,
	}
	for k, v := range s.Calls {
		if k == "info" {
			continue
		}
		if n := v - before.Calls[k]; n > 0 {
			d.Calls[k] = n
		}
	}
	return d
}

// total is the sum of Calls.
func (s redisStats) total() int64 {
	var n int64
	for _, v := range s.Calls {
		n += v
	}
	return n
}
