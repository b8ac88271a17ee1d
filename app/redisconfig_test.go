package app

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// A Sentinel deployment is configured with master_name and the Sentinels'
// addresses, and gives a failover client (go-redis' NewFailoverClient,
// whose options carry the Sentinel's settings); min_replicas and
// replica_wait reach the store and lengthen the read timeout.
func TestRedisConfigSentinel(t *testing.T) {
	pwFile := writeFile(t, "sentinel-pw", "s3ntinel\n")
	env := map[string]string{
		"VOICEMAIL_REDIS_ADDRS":                  "10.0.0.1:26379, 10.0.0.2:26379,10.0.0.3:26379",
		"VOICEMAIL_REDIS_MASTER_NAME":            "vm-master",
		"VOICEMAIL_REDIS_SENTINEL_PASSWORD_FILE": pwFile,
		"VOICEMAIL_REDIS_MIN_REPLICAS":           "1",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := LoadConfig([]string{"--redis.replica_wait", "250ms"}, envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Redis
	if len(r.Addrs) != 3 || r.MasterName != "vm-master" || r.SentinelPassword != "s3ntinel" ||
		r.MinReplicas != 1 || r.ReplicaWait != 250*time.Millisecond {
		t.Fatalf("redis config %+v", r)
	}
	rdb := newRedis(r, nil)
	defer rdb.Close()
	c, ok := rdb.(*redis.Client)
	if !ok || c.Options().Addr != "FailoverClient" {
		t.Fatalf("newRedis gave %T (%v), want go-redis' failover client", rdb, ok)
	}
	if got := c.Options().ReadTimeout; got != redisReadTimeout+250*time.Millisecond {
		t.Errorf("read timeout %v, want the default plus replica_wait", got)
	}
	store, err := newStore(cfg, rdb, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if sc := store.Config(); sc.MinReplicas != 1 || sc.ReplicaWait != 250*time.Millisecond {
		t.Errorf("store config %+v: min_replicas and replica_wait not passed on", sc)
	}
	if dump := cfg.Redacted(); dump.Redis.SentinelPassword != redacted {
		t.Errorf("Redacted keeps the Sentinel password %q", dump.Redis.SentinelPassword)
	}
}

// By default writes wait for no replica, and one server and a Cluster
// stay what they were.
func TestRedisConfigDefaults(t *testing.T) {
	def, err := LoadConfig(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if def.Redis.MinReplicas != 0 || def.Redis.ReplicaWait != 500*time.Millisecond {
		t.Errorf("defaults: min_replicas %d, replica_wait %v", def.Redis.MinReplicas, def.Redis.ReplicaWait)
	}
	single := newRedis(def.Redis, nil)
	defer single.Close()
	if c, ok := single.(*redis.Client); !ok || c.Options().Addr != "127.0.0.1:6379" || c.Options().ReadTimeout != redisReadTimeout {
		t.Errorf("one server: %T", single)
	}
	cluster := newRedis(RedisConfig{Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379"}}, nil)
	defer cluster.Close()
	if _, ok := cluster.(*redis.ClusterClient); !ok {
		t.Errorf("two addresses without master_name: %T, want a Cluster client", cluster)
	}
}

func TestRedisConfigRejects(t *testing.T) {
	// Passwords are not taken as flags: a file, or the configuration.
	pwFile := writeFile(t, "sentinel-pw", "x\n")
	withPW := writeFile(t, "vm.yaml", "redis:\n  sentinel_password: x\n")
	for _, tt := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"--redis.master_name", "my master"}, "redis.master_name"},
		{[]string{"--redis.master_name", "m", "--redis.addrs", "10.0.0.1"}, "Sentinel \"10.0.0.1\""},
		{[]string{"--redis.master_name", "m", "--redis.addrs", "a:26379,b:26379,a:26379"}, "lists Sentinel a:26379 twice"},
		{[]string{"--redis.addrs", "a:6379,b:0"}, "Cluster node \"b:0\""},
		{[]string{"--redis.addrs", ":6379"}, "server \":6379\""},
		{[]string{"--redis.sentinel_password_file", pwFile}, "needs redis.master_name"},
		{[]string{"--redis.min_replicas", "-1"}, "redis.min_replicas"},
		{[]string{"--redis.min_replicas", "17"}, "redis.min_replicas"},
		{[]string{"--redis.min_replicas", "1", "--redis.replica_wait", "0s"}, "redis.replica_wait"},
		{[]string{"--redis.min_replicas", "1", "--redis.replica_wait", "11s"}, "redis.replica_wait"},
		{[]string{"--config", withPW, "--redis.master_name", "m", "--redis.sentinel_password_file", "/nonexistent"}, "redis.sentinel_password and redis.sentinel_password_file"},
	} {
		_, err := LoadConfig(tt.args, envOf(nil))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadConfig(%q) = %v, want ErrInvalidConfig naming %s", tt.args, err, tt.want)
		}
	}
}
