-- An operator's drop (voicemail mail drop): a dead letter, or a
-- notification still in the outbox, is deleted for good.
-- KEYS[1] outbox STREAM, KEYS[2] tries HASH, KEYS[3] dead letters STREAM
-- ARGV id
-- Returns 2 dropped from the dead letters, 1 from the outbox, 0 no such id.
local id = ARGV[1]
if redis.call('XDEL', KEYS[3], id) == 1 then
  if redis.call('XLEN', KEYS[3]) == 0 then
    redis.call('DEL', KEYS[3])
  end
  return 2
end
if redis.call('XDEL', KEYS[1], id) == 1 then
  redis.pcall('XACK', KEYS[1], 'mail', id)
  redis.call('HDEL', KEYS[2], id .. ':n', id .. ':next', id .. ':err')
  if redis.call('XLEN', KEYS[1]) == 0 then
    local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], 'mail')
    if not ok or p[1] == 0 then
      redis.call('DEL', KEYS[1], KEYS[2])
    end
  end
  return 1
end
return 0
