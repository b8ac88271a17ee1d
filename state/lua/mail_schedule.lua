-- After a visit of a mailbox's outbox: when the mailbox got no hint since
-- the visit began (hints unchanged), it is next due in wait_ms, or leaves
-- the due set when its outbox is empty (wait_ms -1); after a hint it is
-- due now.
-- KEYS[1] due ZSET, KEYS[2] hints HASH
-- ARGV mailbox, hints seen when the visit began, wait_ms
-- Returns 1 when scheduled as asked, 0 when a hint came in between.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if (redis.call('HGET', KEYS[2], ARGV[1]) or '0') ~= ARGV[2] then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  return 0
end
local wait = tonumber(ARGV[3])
if wait < 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + wait, ARGV[1])
end
return 1
