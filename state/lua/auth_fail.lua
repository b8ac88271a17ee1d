-- Record the verdict of a wrong PIN (already counted by auth_begin.lua). When
-- the window's count has reached the limit, lock the mailbox out: the n-th
-- lockout in a row lasts base * 2^(n-1), at most max, and the strike count
-- is forgotten max after the last lockout ends.
-- KEYS[1] failure counter, KEYS[2] lockout, KEYS[3] strikes
-- ARGV max failures, base_ms, max_ms
-- Returns {0, failures} not locked out,
--         {1, lockout_ms, strikes} locked out now by this failure.
local n = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if n < tonumber(ARGV[1]) or redis.call('EXISTS', KEYS[2]) == 1 then
  return {0, n}
end
local strikes = redis.call('INCR', KEYS[3])
local base, max = tonumber(ARGV[2]), tonumber(ARGV[3])
local dur = base
for _ = 2, strikes do
  dur = dur * 2
  if dur >= max then
    dur = max
    break
  end
end
if dur > max then
  dur = max
end
redis.call('SET', KEYS[2], strikes, 'PX', dur)
redis.call('PEXPIRE', KEYS[3], dur + max)
redis.call('DEL', KEYS[1])
return {1, dur, strikes}
