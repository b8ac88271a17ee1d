-- Renew an instance's lease until ttl_ms from now on Redis' clock (TIME),
-- never on the instance's own: instances whose clocks disagree still agree
-- on whose lease has run out. Scripts replicate their effects (the ZADD
-- with its computed score), so TIME is safe here (Redis 5 and later).
-- KEYS[1] leases ZSET, KEYS[2] apps HASH
-- ARGV instance, app, ttl_ms
-- Returns the new deadline, unix ms on Redis' clock.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], deadline, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return deadline
