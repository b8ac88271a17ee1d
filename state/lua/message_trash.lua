-- Delete a message to its mailbox's trash, where it can be restored
-- (message_restore.lua) until it is purged (trash_purge.lua): it leaves
-- every folder, and its record, audio and all, stays, marked with the time
-- of its deletion. The counts and the version move as for a deletion.
-- KEYS[1..6] folder ZSETs 0 New … 4 Friends, 5 Urgent, KEYS[7] version,
-- KEYS[8] message HASH, KEYS[9] trash ZSET
-- ARGV message id, now_ms
-- Returns {status, new, old, version}: status 1 deleted to the trash
-- (version incremented), 0 no such message or already in the trash
-- (nothing written). new counts New and Urgent (both light the lamp).
local function current(status)
  return {status, redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[6]),
    redis.call('ZCARD', KEYS[2]), tonumber(redis.call('GET', KEYS[7]) or '0') or 0}
end
local id = ARGV[1]
if redis.call('EXISTS', KEYS[8]) == 0 or redis.call('HEXISTS', KEYS[8], 'deleted') == 1 then
  return current(0)
end
for i = 1, 6 do
  redis.call('ZREM', KEYS[i], id)
end
redis.call('ZADD', KEYS[9], ARGV[2], id)
redis.call('HSET', KEYS[8], 'deleted', ARGV[2])
redis.call('INCR', KEYS[7])
return current(1)
