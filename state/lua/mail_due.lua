-- The mailboxes whose outbox is due for a visit, on Redis' clock. Each one
-- returned is leased for lease_ms (its score moves that far ahead), so
-- that instances polling at once visit different mailboxes; a visitor
-- that dies leaves the mailbox due again when the lease ends.
-- KEYS[1] due ZSET (mailbox → when, unix ms), KEYS[2] hints HASH
-- (mailbox → count of notifications queued, mail_hint.lua)
-- ARGV lease_ms, limit
-- Returns {mailbox, hints, mailbox, hints, ...}: hints as read now, for
-- mail_schedule.lua.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, mb in ipairs(due) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), mb)
  out[#out + 1] = mb
  out[#out + 1] = redis.call('HGET', KEYS[2], mb) or '0'
end
return out
