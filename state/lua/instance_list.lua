-- List every instance with a lease, with Redis' clock (TIME) to judge the
-- deadlines by: every instance compares them with the same clock, the one
-- that set them (instance_renew.lua).
-- KEYS[1] leases ZSET, KEYS[2] apps HASH
-- Returns {now_ms, id1, deadline1_ms, app1, id2, deadline2_ms, app2, ...};
-- app is '' when none is recorded.
local t = redis.call('TIME')
local out = {tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
local zs = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #zs, 2 do
  out[#out + 1] = zs[i]
  out[#out + 1] = zs[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], zs[i]) or ''
end
return out
