-- Save a call's session unless a newer owner (higher epoch) has written it:
-- the fence that keeps a paused old owner from overwriting.
-- KEYS[1] session HASH
-- ARGV epoch, ttl_ms, now_ms, created_ms (0 = now), instance, app, mailbox, menu,
--      write_listing ('1' writes ARGV[10], '0' keeps the stored listing), listing,
--      run (the saving process's run token; session_claim.lua)
-- Returns {1, created_ms} saved,
--         {0, stored_epoch} refused: stale epoch, or the call has ended
--                           (session_end.lua's tombstone; nothing written),
--         {-1} refused: the stored record is corrupt (nothing written).
local t = redis.call('TYPE', KEYS[1]).ok
local created = ARGV[4]
if created == '0' then
  created = ARGV[3]
end
if t == 'hash' and redis.call('HEXISTS', KEYS[1], 'ended') == 1 then
  return {0, redis.call('HGET', KEYS[1], 'epoch') or ''}
end
if t == 'hash' then
  local cur = redis.call('HGET', KEYS[1], 'epoch')
  local c = tonumber(cur)
  local kept = redis.call('HGET', KEYS[1], 'created')
  if not c or not tonumber(kept) then
    return {-1}
  end
  if tonumber(ARGV[1]) < c then
    return {0, cur}
  end
  created = kept
elseif t ~= 'none' then
  return {-1}
end
redis.call('HSET', KEYS[1],
  'epoch', ARGV[1], 'instance', ARGV[5], 'app', ARGV[6],
  'mailbox', ARGV[7], 'menu', ARGV[8], 'created', created, 'updated', ARGV[3], 'run', ARGV[11])
if ARGV[9] == '1' then
  redis.call('HSET', KEYS[1], 'listing', ARGV[10])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, created}
