-- Count a login attempt from one calling number, whatever the mailbox, in
-- advance of its verdict (auth_refund.lua gives it back when the PIN is
-- right), and refuse once the number has used up its day's failures.
-- KEYS[1] the number's day counter (HASH start, n)
-- ARGV day_max, now_ms, day_ms (a fixed window from its first failure, on
-- the app's clock; the key expires 2 * day_ms after, only to be collected)
-- Returns {1} counted, {2, remaining_ms} refused.
local now, day_ms, day_max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[1])
local day = redis.call('HMGET', KEYS[1], 'start', 'n')
local start, used = tonumber(day[1]), tonumber(day[2]) or 0
if not start or now - start >= day_ms or now < start - day_ms then
  start, used = now, 0
end
if used >= day_max then
  return {2, start + day_ms - now}
end
redis.call('HSET', KEYS[1], 'start', start, 'n', used + 1)
redis.call('PEXPIRE', KEYS[1], 2 * day_ms)
return {1}
