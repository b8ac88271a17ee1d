-- Set or clear one greeting and return the one it replaced, in one step, so
-- that two changes racing each other each get back a distinct previous
-- recording to delete.
-- KEYS[1] greetings HASH
-- ARGV kind, recording ("" clears the kind)
-- Returns the previous recording name, or nil if there was none.
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return prev
