-- Start a PIN check: refuse if the mailbox is locked out or has used up its
-- day's failures, otherwise count this attempt as a failure in advance, in
-- the window and in the day (the caller clears the window's count and gives
-- the day's back when the PIN is right, or runs auth_fail.lua when it is
-- wrong). Counting before the slow bcrypt compare means parallel calls
-- cannot make more than max attempts per window, nor day_max per day.
-- KEYS[1] mailbox HASH, KEYS[2] failure counter, KEYS[3] lockout,
-- KEYS[4] day counter (HASH start, n)
-- ARGV max failures, window_ms, day_max, now_ms, day_ms
-- The day is a fixed window of day_ms from its first failure, on the
-- app's clock (now_ms), so that tests can move it; its key expires on
-- Redis' clock 2 * day_ms after the last failure, only to be collected.
-- Returns {0} no such mailbox (nothing written),
--         {2, pttl_ms} locked out,
--         {2, pttl_ms, 1} refused: the window's last allowed attempts are
--                          still being checked,
--         {2, remaining_ms, 2} refused: the day's failures are used up,
--         {1, pin_hash, name, email, language, pin_default, pin_source}.
local box = redis.call('HMGET', KEYS[1], 'pin_hash', 'name', 'email', 'language', 'pin_default', 'pin_source')
if not box[1] then
  return {0}
end
local lock = redis.call('PTTL', KEYS[3])
if lock > 0 then
  return {2, lock}
end
if lock == -1 then
  -- A lockout without expiry would lock the mailbox for ever.
  redis.call('DEL', KEYS[3])
end
local now, day_ms, day_max = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[3])
local day = redis.call('HMGET', KEYS[4], 'start', 'n')
local start, used = tonumber(day[1]), tonumber(day[2]) or 0
if not start or now - start >= day_ms or now < start - day_ms then
  start, used = now, 0
end
if used >= day_max then
  return {2, start + day_ms - now, 2}
end
local n = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if n >= tonumber(ARGV[1]) then
  -- The last allowed attempts are still being checked by other calls: wait
  -- for their verdict (auth_fail.lua sets the lockout).
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return {2, ttl, 1}
end
redis.call('INCR', KEYS[2])
if redis.call('PTTL', KEYS[2]) < 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
redis.call('HSET', KEYS[4], 'start', start, 'n', used + 1)
redis.call('PEXPIRE', KEYS[4], 2 * day_ms)
return {1, box[1], box[2], box[3], box[4], box[5], box[6]}
