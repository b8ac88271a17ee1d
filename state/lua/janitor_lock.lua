-- The janitor lock, for the holder that took it: a sweeper whose lock
-- expired while it was paused must not extend, rest or drop another's.
-- KEYS[1] lock STRING: the holder's token while it sweeps, "rest:" and
--         its token while the cluster rests after a sweep
-- ARGV mode, token, ttl_ms
--   acquire       take the lock if nobody holds it
--   acquire-rest  take it also from a resting holder (fsck --repair)
--   extend        make it expire ttl_ms from now
--   rest          keep it, marked resting, for ttl_ms
--   release       drop it
-- Returns 1 done, 0 refused (held by another, or not by this token).
local mode, token, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local cur = redis.call('GET', KEYS[1])
if mode == 'acquire' or mode == 'acquire-rest' then
  if cur and not (mode == 'acquire-rest' and string.sub(cur, 1, 5) == 'rest:') then
    return 0
  end
  redis.call('SET', KEYS[1], token, 'PX', ttl)
  return 1
end
if cur ~= token then
  return 0
end
if mode == 'extend' then
  redis.call('PEXPIRE', KEYS[1], ttl)
elseif mode == 'rest' then
  redis.call('SET', KEYS[1], 'rest:' .. token, 'PX', ttl)
elseif mode == 'release' then
  redis.call('DEL', KEYS[1])
else
  return redis.error_reply('unknown lock mode ' .. mode)
end
return 1
