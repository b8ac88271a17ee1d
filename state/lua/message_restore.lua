-- Restore a message from its mailbox's trash into the folder it was
-- deleted from, in its place by received time, unless that folder holds
-- max messages (the mailbox record's maxmsg field, else ARGV max).
-- KEYS[1..6] folder ZSETs 0 New … 4 Friends, 5 Urgent, KEYS[7] version,
-- KEYS[8] message HASH, KEYS[9] trash ZSET, KEYS[10] mailbox HASH
-- ARGV message id, max
-- Returns {status, new, old, version, folder}: status 1 restored (version
-- incremented), 0 not in the trash (a trash entry whose record is gone is
-- dropped), -1 its folder is full (nothing written). new counts New and
-- Urgent.
local function current(status, folder)
  return {status, redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[6]),
    redis.call('ZCARD', KEYS[2]), tonumber(redis.call('GET', KEYS[7]) or '0') or 0, folder}
end
local id = ARGV[1]
if not redis.call('ZSCORE', KEYS[9], id) then
  return current(0, -1)
end
if redis.call('EXISTS', KEYS[8]) == 0 then
  redis.call('ZREM', KEYS[9], id)
  return current(0, -1)
end
local f = tonumber(redis.call('HGET', KEYS[8], 'folder'))
if not f or f < 0 or f > 5 then
  f = 0
end
local max = tonumber(redis.call('HGET', KEYS[10], 'maxmsg') or '') or tonumber(ARGV[2])
if redis.call('ZCARD', KEYS[f + 1]) >= max then
  return current(-1, f)
end
local score = redis.call('HGET', KEYS[8], 'received') or '0'
redis.call('ZREM', KEYS[9], id)
redis.call('ZADD', KEYS[f + 1], score, id)
redis.call('HDEL', KEYS[8], 'deleted')
redis.call('HSET', KEYS[8], 'folder', f)
redis.call('INCR', KEYS[7])
return current(1, f)
