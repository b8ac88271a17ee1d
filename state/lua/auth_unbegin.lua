-- Give back an attempt auth_begin.lua counted whose PIN was never checked:
-- the calling number's own check, sent in the same round trip, refused it
-- (auth_caller.lua), or its reply was lost.
-- KEYS[1] failure counter, KEYS[2] day counter (HASH start, n)
-- Neither goes below 0: a right PIN or an unlock may have cleared them
-- meanwhile. Returns the window's count left.
local n = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if n > 0 then
  n = redis.call('DECR', KEYS[1])
end
local d = tonumber(redis.call('HGET', KEYS[2], 'n') or '0') or 0
if d > 0 then
  redis.call('HINCRBY', KEYS[2], 'n', -1)
end
return n
