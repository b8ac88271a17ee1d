-- Deposit a message into the New folder, as app_voicemail's VoiceMail()
-- does into INBOX, or into the Urgent folder when it is urgent (its U
-- option), unless that folder holds max messages (its maxmsg: the mailbox
-- record's maxmsg field, else ARGV max; counted in the destination folder
-- as leave_voicemail does).
-- Idempotent on the message id: a retried deposit whose first attempt got
-- through writes nothing and reports the current counts.
-- When the mailbox record has an email or a pager address, the
-- notifications of the message (one per address) go into the mailbox's
-- outbox stream in the same script, so a message is never stored without
-- its notification, nor a notification queued for a message not stored.
-- KEYS[1] message HASH, KEYS[2] New folder ZSET, KEYS[3] Old folder ZSET,
-- KEYS[4] version, KEYS[5] mailbox HASH, KEYS[6] outbox STREAM,
-- KEYS[7] Urgent folder ZSET
-- ARGV message id, max, received_ms, recording, caller_num, caller_name,
--      duration_ms, origin, intro ("" for none), urgent ("1"/"0"),
--      kind ("new" or "forward")
-- Returns {status, new, old, version, queued}: status 1 deposited (version
-- incremented), 0 already deposited, -1 destination folder full (nothing
-- written in either case); new counts New and Urgent (both light the
-- lamp); queued counts the notifications added.
local function unheard()
  return redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[7])
end
local function current(status)
  return {status, unheard(), redis.call('ZCARD', KEYS[3]),
    tonumber(redis.call('GET', KEYS[4]) or '0') or 0, 0}
end
local urgent = ARGV[10] == '1'
local dest, folder = KEYS[2], 0
if urgent then
  dest, folder = KEYS[7], 5
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return current(0)
end
-- The mailbox's own maxmsg option, when set, replaces ARGV max.
local max = tonumber(redis.call('HGET', KEYS[5], 'maxmsg') or '') or tonumber(ARGV[2])
if redis.call('ZCARD', dest) >= max then
  return current(-1)
end
redis.call('HSET', KEYS[1],
  'folder', folder, 'recording', ARGV[4], 'caller_num', ARGV[5],
  'caller_name', ARGV[6], 'received', ARGV[3], 'duration', ARGV[7],
  'origin', ARGV[8])
if ARGV[9] and ARGV[9] ~= '' then
  redis.call('HSET', KEYS[1], 'intro', ARGV[9])
end
if urgent then
  redis.call('HSET', KEYS[1], 'urgent', '1')
end
redis.call('ZADD', dest, ARGV[3], ARGV[1])
local ver = redis.call('INCR', KEYS[4])
local new = unheard()
local queued = 0
local targets = {}
for _, target in ipairs({'email', 'pager'}) do
  local addr = redis.call('HGET', KEYS[5], target)
  if addr and addr ~= '' then
    targets[#targets + 1] = target
  end
end
if #targets > 0 then
  -- The enqueue time, on Redis' clock, starts the give-up period.
  -- Scripts replicate their effects, so TIME is safe here.
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  -- The group is made with the stream; BUSYGROUP (it exists) is fine.
  redis.pcall('XGROUP', 'CREATE', KEYS[6], 'mail', '0', 'MKSTREAM')
  for _, target in ipairs(targets) do
    redis.call('XADD', KEYS[6], '*', 'target', target, 'msg', ARGV[1],
      'msgnum', new, 'kind', ARGV[11], 'caller_num', ARGV[5],
      'caller_name', ARGV[6], 'received', ARGV[3], 'duration', ARGV[7],
      'recording', ARGV[4], 'intro', ARGV[9] or '', 'urgent', ARGV[10],
      'origin', ARGV[8], 'enqueued', now)
    queued = queued + 1
  end
end
return {1, new, redis.call('ZCARD', KEYS[3]), ver, queued}
