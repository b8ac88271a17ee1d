-- End an instance's lease now, on Redis' clock (TIME), keeping its app and
-- its list of calls: another instance takes the calls it did not hand on
-- over at once, instead of once the lease would have run out.
-- KEYS[1] leases ZSET
-- ARGV instance
-- Returns 1 ended, 0 the instance has no lease.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now, ARGV[1])
