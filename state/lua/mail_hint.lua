-- A mailbox's outbox got a notification: make the mailbox due now, and
-- count the hint so that a visit under way does not put the mailbox to
-- sleep over it (mail_schedule.lua). Hint fields are never deleted, so a
-- count is never seen twice.
-- KEYS[1] due ZSET, KEYS[2] hints HASH
-- ARGV mailbox
-- Returns the new count.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('ZADD', KEYS[1], 'LT', now, ARGV[1])
return n
