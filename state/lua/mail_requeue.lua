-- An operator's retry (voicemail mail retry): a dead letter goes back into
-- the outbox as a fresh notification (its give-up period starts again);
-- a notification waiting for its next attempt becomes due now.
-- KEYS[1] outbox STREAM, KEYS[2] tries HASH, KEYS[3] dead letters STREAM
-- ARGV id (of the dead letter, or of the outbox entry), claim_idle_ms
-- Returns 2 requeued from the dead letters, 1 made due now, 0 no such id.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local d = redis.call('XRANGE', KEYS[3], id, id)
if #d > 0 then
  local skip = {reason = true, attempts = true, dead_at = true, outbox_id = true, enqueued = true}
  local args = {'XADD', KEYS[1], '*'}
  local f = d[1][2]
  for i = 1, #f, 2 do
    if not skip[f[i]] then
      args[#args + 1] = f[i]
      args[#args + 1] = f[i + 1]
    end
  end
  args[#args + 1] = 'enqueued'
  args[#args + 1] = now
  redis.pcall('XGROUP', 'CREATE', KEYS[1], 'mail', '0', 'MKSTREAM')
  redis.call(unpack(args))
  redis.call('XDEL', KEYS[3], id)
  if redis.call('XLEN', KEYS[3]) == 0 then
    redis.call('DEL', KEYS[3])
  end
  return 2
end
if #redis.call('XRANGE', KEYS[1], id, id) > 0 then
  redis.call('HDEL', KEYS[2], id .. ':next')
  redis.pcall('XCLAIM', KEYS[1], 'mail', 'operator', 0, id, 'IDLE', tonumber(ARGV[2]), 'JUSTID')
  return 1
end
return 0
