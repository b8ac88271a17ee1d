-- Forget an instance whose lease has expired, unless it renewed meanwhile.
-- Expiry is judged on Redis' clock (TIME), the clock instance_renew.lua
-- set the deadline by.
-- KEYS[1] leases ZSET, KEYS[2] apps HASH, KEYS[3] its owned-calls SET
-- ARGV instance
-- Returns 1 forgotten, 0 alive again (nothing changed).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
if deadline > now then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
