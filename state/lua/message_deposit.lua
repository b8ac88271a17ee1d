-- Deposit a message into the New folder, as app_voicemail's VoiceMail()
-- does into INBOX, unless the New folder holds max messages (its maxmsg).
-- Idempotent on the message id: a retried deposit whose first attempt got
-- through writes nothing and reports the current counts.
-- KEYS[1] message HASH, KEYS[2] New folder ZSET, KEYS[3] Old folder ZSET,
-- KEYS[4] version
-- ARGV message id, max, received_ms, recording, caller_num, caller_name,
--      duration_ms, origin, intro ("" for none)
-- Returns {status, new, old, version}: status 1 deposited (version
-- incremented), 0 already deposited, -1 New folder full (nothing written
-- in either case).
local function current(status)
  return {status, redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]),
    tonumber(redis.call('GET', KEYS[4]) or '0') or 0}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return current(0)
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  return current(-1)
end
redis.call('HSET', KEYS[1],
  'folder', 0, 'recording', ARGV[4], 'caller_num', ARGV[5],
  'caller_name', ARGV[6], 'received', ARGV[3], 'duration', ARGV[7],
  'origin', ARGV[8])
if ARGV[9] and ARGV[9] ~= '' then
  redis.call('HSET', KEYS[1], 'intro', ARGV[9])
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local ver = redis.call('INCR', KEYS[4])
return {1, redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]), ver}
