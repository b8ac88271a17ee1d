-- Record the orphan audio a janitor sweep found, on Redis' clock, and say
-- which candidates have been orphans for a whole grace period. A candidate
-- that is not in this sweep's list (referenced again, or gone) is
-- forgotten, so only a recording that stayed an orphan at every sweep
-- since it was first seen ever becomes due.
-- KEYS[1] candidates HASH: recording name -> first seen, unix ms
-- ARGV grace_ms, prefix (only candidates under it are forgotten), then
--      the orphan names of this sweep
-- Returns {now_ms, added, forgotten, due name...}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grace = tonumber(ARGV[1])
local prefix = ARGV[2]
local orphan = {}
local due = {}
local added = 0
for i = 3, #ARGV do
  local name = ARGV[i]
  orphan[name] = true
  local first = tonumber(redis.call('HGET', KEYS[1], name) or '')
  if not first or first > now then
    -- New, unreadable, or from a clock ahead of this one: start again.
    redis.call('HSET', KEYS[1], name, now)
    added = added + 1
  elseif now - first >= grace then
    due[#due + 1] = name
  end
end
local forgotten = 0
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if not orphan[name] and string.sub(name, 1, #prefix) == prefix then
    redis.call('HDEL', KEYS[1], name)
    forgotten = forgotten + 1
  end
end
local reply = {now, added, forgotten}
for _, name in ipairs(due) do
  reply[#reply + 1] = name
end
return reply
