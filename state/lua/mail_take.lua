-- Take the notifications of one mailbox's outbox that are due, for one
-- consumer (an instance) of the consumer group 'mail': first those pending
-- on any consumer for claim_idle or longer (XAUTOCLAIM: an instance that
-- died mid-send, or a retry whose backoff has passed), then those never
-- delivered (XREADGROUP). A claimed entry whose retry is not due yet is
-- handed back with its idle time set so that it becomes claimable when it
-- is due (XCLAIM IDLE), and is not returned.
-- KEYS[1] outbox STREAM, KEYS[2] tries HASH (<id>:n attempts, <id>:next
-- due time in unix ms, <id>:err last error)
-- ARGV consumer, claim_idle_ms, count
-- Returns {now_ms, {{id, {field, value, ...}, attempts}, ...}}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {now, {}}
end
redis.pcall('XGROUP', 'CREATE', KEYS[1], 'mail', '0')
local idle = tonumber(ARGV[2])
local out = {}
local function consider(id, fields)
  local due = tonumber(redis.call('HGET', KEYS[2], id .. ':next') or '0') or 0
  if due > now then
    local set = idle - (due - now)
    if set < 0 then
      set = 0
    end
    redis.call('XCLAIM', KEYS[1], 'mail', ARGV[1], 0, id, 'IDLE', set, 'JUSTID')
    return
  end
  local n = tonumber(redis.call('HGET', KEYS[2], id .. ':n') or '0') or 0
  out[#out + 1] = {id, fields, n}
end
local claimed = redis.call('XAUTOCLAIM', KEYS[1], 'mail', ARGV[1], idle, '0-0', 'COUNT', ARGV[3])
for _, e in ipairs(claimed[2]) do
  if e[2] then
    consider(e[1], e[2])
  end
end
-- Entries deleted from the stream while pending (dropped): their tries go.
for _, id in ipairs(claimed[3] or {}) do
  redis.call('HDEL', KEYS[2], id .. ':n', id .. ':next', id .. ':err')
end
local fresh = redis.call('XREADGROUP', 'GROUP', 'mail', ARGV[1], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
if fresh then
  for _, e in ipairs(fresh[1][2]) do
    consider(e[1], e[2])
  end
end
return {now, out}
