-- Import a message from another voicemail system (voicemail import) into
-- any folder, without notifications and without the folder limit: the
-- message was already accepted by the system it comes from. Idempotent on
-- the message id: an id already stored writes nothing.
-- KEYS[1] message HASH, KEYS[2] folder ZSET, KEYS[3] version
-- ARGV message id, folder number, received_ms, recording, caller_num,
--      caller_name, duration_ms, origin, urgent ("1"/"0")
-- Returns {status, version}: status 1 imported (version incremented), 0
-- already stored.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, tonumber(redis.call('GET', KEYS[3]) or '0') or 0}
end
redis.call('HSET', KEYS[1],
  'folder', ARGV[2], 'recording', ARGV[4], 'caller_num', ARGV[5],
  'caller_name', ARGV[6], 'received', ARGV[3], 'duration', ARGV[7],
  'origin', ARGV[8])
if ARGV[9] == '1' then
  redis.call('HSET', KEYS[1], 'urgent', '1')
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return {1, redis.call('INCR', KEYS[3])}
