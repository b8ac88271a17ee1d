-- Let another pass reap a dead instance sooner: the reaper that holds the
-- lock shortens it, because a call of the dead instance is unresolved.
-- KEYS[1] the reap lock STRING
-- ARGV reaper, ttl_ms
-- Returns 1 shortened, 0 the lock is not the reaper's (nothing changed).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
