package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// waitChannel is the Pub/Sub channel (nobody subscribes to it) of the
// PUBLISH that runs between a script and its WAIT on a single server or
// under Sentinel; see runReplicated.
const waitChannel = keyPrefix + "wait"

// runReplicated runs script like Script.Run and, when Config.MinReplicas
// is set, waits until that many replicas have it (Redis WAIT), bounded by
// Config.ReplicaWait. The script's reply and error are in the returned
// command; the second result is nil, or an error wrapping ErrNotReplicated
// when the script ran but fewer replicas confirmed it in time.
//
// The script, a marker write and WAIT go in one pipeline: one round trip,
// on one connection, to the node that owns keys[0] (on a Redis Cluster,
// WAIT counts the replicas of the node it is sent to). WAIT waits for
// "all the previous write commands sent in the context of the current
// connection" (https://redis.io/docs/latest/commands/wait/). A script that
// writes nothing (a deposit retried after a lost reply finds its message
// stored) is no such write: Redis 7.0 (Debian 12's) still moves the
// connection's mark to the current replication offset after every
// command, but later versions only after "its last command that resulted
// in propagation" (server.c, call()), and WAIT would then pass on an older
// write of the connection while the one the script found is not yet on a
// replica. The marker write always moves the mark. It is a PUBLISH, which
// Redis replicates outside cluster mode (pubsub.c, publishCommand), and on
// a Cluster a SET with a one-second expiry in the slot of keys[0].
func (s *Store) runReplicated(ctx context.Context, script *redis.Script, keys []string, args ...any) (*redis.Cmd, error) {
	if s.cfg.MinReplicas == 0 {
		return script.Run(ctx, s.rdb, keys, args...), nil
	}
	node, err := s.writeNode(ctx, keys[0])
	if err != nil {
		cmd := redis.NewCmd(ctx)
		cmd.SetErr(err)
		return cmd, nil
	}
	cmd, wait := s.pipelineWait(ctx, node, keys[0], func(p redis.Pipeliner) *redis.Cmd {
		return script.EvalSha(ctx, p, keys, args...)
	})
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		// Not run: Redis has not cached the script (after a restart or a
		// failover). Send its source once, as Script.Run does.
		cmd, wait = s.pipelineWait(ctx, node, keys[0], func(p redis.Pipeliner) *redis.Cmd {
			return script.Eval(ctx, p, keys, args...)
		})
	}
	if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
		if c, ok := s.rdb.(*redis.ClusterClient); ok && (redis.HasErrorPrefix(err, "MOVED") || redis.HasErrorPrefix(err, "ASK")) {
			// The slot moved; the cluster client learns where on its next
			// reload, and the caller's retry goes there.
			c.ReloadState(ctx)
		}
		return cmd, nil
	}
	n, err := wait.Result()
	switch {
	case err != nil:
		return cmd, fmt.Errorf("%w: WAIT: %w", ErrNotReplicated, err)
	case n < int64(s.cfg.MinReplicas):
		return cmd, fmt.Errorf("%w: %d of %d replicas within %v", ErrNotReplicated, n, s.cfg.MinReplicas, s.cfg.ReplicaWait)
	}
	return cmd, nil
}

// pipelineWait sends the command that queue adds, the marker write and
// WAIT to node in one pipeline, and returns the first and the last.
func (s *Store) pipelineWait(ctx context.Context, node redis.Cmdable, key string, queue func(redis.Pipeliner) *redis.Cmd) (*redis.Cmd, *redis.IntCmd) {
	pipe := node.Pipeline()
	cmd := queue(pipe)
	if _, ok := s.rdb.(*redis.ClusterClient); ok {
		pipe.Set(ctx, waitKey(key), "", time.Second)
	} else {
		pipe.Publish(ctx, waitChannel, "")
	}
	// Pipeliner has no Wait method; the command is the same.
	wait := redis.NewIntCmd(ctx, "wait", s.cfg.MinReplicas, s.cfg.ReplicaWait.Milliseconds())
	_ = pipe.Process(ctx, wait)
	// Each command's reply or error is in it.
	_, _ = pipe.Exec(ctx)
	return cmd, wait
}

// writeNode is where a write to key goes: on a Redis Cluster the master
// that owns key's slot, else the Store's client (a single server, or the
// master that Sentinel names).
func (s *Store) writeNode(ctx context.Context, key string) (redis.Cmdable, error) {
	c, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return s.rdb, nil
	}
	node, err := c.MasterForKey(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("node of %s: %w", key, err)
	}
	return node, nil
}

// waitKey is the marker key of runReplicated on a Redis Cluster: in the
// slot of key, as it carries key's hash tag (or, for a key without one,
// the whole key as its tag).
func waitKey(key string) string {
	tag := "{" + key + "}"
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			tag = key[i : i+j+2]
		}
	}
	return keyPrefix + tag + ":wait"
}

// atRisk returns nil when notReplicated is nil, else notReplicated wrapped
// with what was written (fmt-style), logged as a warning.
func (s *Store) atRisk(notReplicated error, format string, args ...any) error {
	if notReplicated == nil {
		return nil
	}
	err := fmt.Errorf("state: "+format+": %w", append(args, notReplicated)...)
	s.log.Warn("write not confirmed by enough replicas: it is lost if the master fails now", zap.Error(err))
	return err
}
