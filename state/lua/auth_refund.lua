-- Give back an attempt counted in advance by auth_begin.lua or
-- auth_caller.lua whose PIN was right: a right PIN is no failure.
-- KEYS[1] a day counter (HASH start, n)
-- Returns the count left.
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0') or 0
if n <= 0 then
  return 0
end
return redis.call('HINCRBY', KEYS[1], 'n', -1)
