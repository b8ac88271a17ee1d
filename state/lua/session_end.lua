-- End a call's session unless a newer owner (higher epoch) holds it. The
-- record becomes a tombstone that keeps the epoch for the session TTL, so
-- that an old owner that wakes up later finds its saves refused rather than
-- recreating the session (session_save.lua), and a reaper finds nothing to
-- claim (session_claim.lua).
-- KEYS[1] session HASH
-- ARGV epoch, ttl_ms
-- Returns 1 ended (or already ended), 0 refused: a newer owner holds it.
local cur
if redis.call('TYPE', KEYS[1]).ok == 'hash' then
  cur = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '')
end
if cur and cur > tonumber(ARGV[1]) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'ended', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
