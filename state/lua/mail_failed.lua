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
  -- A dead letter's id must never be an outbox entry's: an operator's drop
  -- or retry names one by id alone (mail_drop.lua, mail_requeue.lua). The
  -- outbox's ids are Redis' own, MS-SEQ with a small SEQ; a dead letter's
  -- SEQ starts at 2^40, past any count of entries one mailbox queues in a
  -- millisecond.
  local ms, seq = now, 1099511627776
  -- An explicit id must be above the stream's last one, deleted or not.
  local ok, info = pcall(redis.call, 'XINFO', 'STREAM', KEYS[3])
  if ok then
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then
        local lms, lseq = string.match(info[i + 1], '^(%d+)-(%d+)$')
        lms, lseq = tonumber(lms), tonumber(lseq)
        if lms >= ms then
          ms, seq = lms, math.max(lseq + 1, seq)
        end
      end
    end
  end
  local args = {'XADD', KEYS[3], string.format('%.0f-%.0f', ms, seq)}
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
