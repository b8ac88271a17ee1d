-- A notification could not be sent. A permanent failure, or any failure
-- once give_up has passed since the notification was queued, moves it to
-- the mailbox's dead letters; otherwise it is retried after backoff: its
-- due time is recorded and its idle time set so that any instance can
-- claim it then (mail_take.lua).
-- KEYS[1] outbox STREAM, KEYS[2] tries HASH, KEYS[3] dead letters STREAM
-- ARGV entry id, consumer, error, permanent ("1"/"0"), backoff_ms,
--      give_up_ms, claim_idle_ms
-- Returns {status, attempts, at}: status 0 the entry is gone (sent by
-- another instance, or dropped), 1 retried at `at` (unix ms), 2 dead
-- (at: when).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local e = redis.call('XRANGE', KEYS[1], id, id)
if #e == 0 then
  redis.pcall('XACK', KEYS[1], 'mail', id)
  redis.call('HDEL', KEYS[2], id .. ':n', id .. ':next', id .. ':err')
  return {0, 0, now}
end
local fields = e[1][2]
local enqueued = 0
for i = 1, #fields, 2 do
  if fields[i] == 'enqueued' then
    enqueued = tonumber(fields[i + 1]) or 0
  end
end
local n = redis.call('HINCRBY', KEYS[2], id .. ':n', 1)
if ARGV[4] == '1' or now - enqueued >= tonumber(ARGV[6]) then
  local args = {'XADD', KEYS[3], '*'}
  for i = 1, #fields do
    args[#args + 1] = fields[i]
  end
  for _, v in ipairs({'reason', ARGV[3], 'attempts', n, 'dead_at', now, 'outbox_id', id}) do
    args[#args + 1] = v
  end
  redis.call(unpack(args))
  redis.call('XACK', KEYS[1], 'mail', id)
  redis.call('XDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id .. ':n', id .. ':next', id .. ':err')
  if redis.call('XLEN', KEYS[1]) == 0 then
    local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], 'mail')
    if not ok or p[1] == 0 then
      redis.call('DEL', KEYS[1], KEYS[2])
    end
  end
  return {2, n, now}
end
local backoff = tonumber(ARGV[5])
local due = now + backoff
redis.call('HSET', KEYS[2], id .. ':next', due, id .. ':err', ARGV[3])
local set = tonumber(ARGV[7]) - backoff
if set < 0 then
  set = 0
end
redis.call('XCLAIM', KEYS[1], 'mail', ARGV[2], 0, id, 'IDLE', set, 'JUSTID')
return {1, n, due}
