-- Forget an instance whose lease has expired, unless it renewed meanwhile.
-- KEYS[1] leases ZSET, KEYS[2] apps HASH, KEYS[3] its owned-calls SET
-- ARGV instance, now_ms
-- Returns 1 forgotten, 0 alive again (nothing changed).
local deadline = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
if deadline > tonumber(ARGV[2]) then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
