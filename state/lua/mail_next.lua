-- When does one mailbox's outbox next need a sender? Now when an entry was
-- never delivered; else when the first pending entry becomes claimable
-- (idle for claim_idle: its sender died, or its retry is due); never when
-- it is empty (it is removed then, with its tries).
-- KEYS[1] outbox STREAM, KEYS[2] tries HASH
-- ARGV claim_idle_ms
-- Returns the wait in ms, or -1 for an empty outbox.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if not ok then
  return 0
end
local last, pending
for _, g in ipairs(groups) do
  local m = {}
  for i = 1, #g, 2 do
    m[g[i]] = g[i + 1]
  end
  if m['name'] == 'mail' then
    last, pending = m['last-delivered-id'], tonumber(m['pending'])
  end
end
if not last then
  return 0
end
if #redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1) > 0 then
  return 0
end
if pending == 0 then
  if redis.call('XLEN', KEYS[1]) == 0 then
    redis.call('DEL', KEYS[1], KEYS[2])
    return -1
  end
  return 0
end
local idle = tonumber(ARGV[1])
local wait = idle
for _, p in ipairs(redis.call('XPENDING', KEYS[1], 'mail', '-', '+', 100)) do
  local w = idle - tonumber(p[3])
  if w < wait then
    wait = w
  end
end
if wait < 0 then
  wait = 0
end
return wait
