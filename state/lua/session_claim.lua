-- Take a call's session over for a new owner: bump the epoch (the fencing
-- token that makes the old owner's saves fail) and record the new owner.
-- KEYS[1] session HASH
-- ARGV instance, app, expected_owner ('' = any), ttl_ms, now_ms, run
--      (the claiming process's run token, recorded with the owner: an
--      instance restarted under the same id claims its earlier run's calls
--      with expected_owner = instance, and must not claim its own)
-- Returns {1, epoch} claimed (a missing session is created at epoch 1,
--                    and an ended one, session_end.lua's tombstone, anew
--                    past its epoch: the channel entered Stasis again;
--                    either only when no owner is expected),
--         {0, owner} refused: owned by someone other than expected_owner
--                    ('' when there is no session, or it ended),
--         {-1} refused: the stored record is corrupt,
--         {2, epoch} refused: expected_owner is the instance itself and
--                    the session is already this run's (nothing written).
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'hash' and redis.call('HEXISTS', KEYS[1], 'ended') == 1 then
  if ARGV[3] ~= '' then
    return {0, ''}
  end
  local epoch = (tonumber(redis.call('HGET', KEYS[1], 'epoch')) or 0) + 1
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'instance', ARGV[1], 'app', ARGV[2],
    'mailbox', '', 'menu', '', 'created', ARGV[5], 'updated', ARGV[5], 'run', ARGV[6])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {1, epoch}
end
if t == 'none' then
  if ARGV[3] ~= '' then
    return {0, ''}
  end
  redis.call('HSET', KEYS[1], 'epoch', 1, 'instance', ARGV[1], 'app', ARGV[2],
    'mailbox', '', 'menu', '', 'created', ARGV[5], 'updated', ARGV[5], 'run', ARGV[6])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {1, 1}
end
if t ~= 'hash' then
  return {-1}
end
local owner = redis.call('HGET', KEYS[1], 'instance') or ''
if ARGV[3] ~= '' and owner ~= ARGV[3] then
  return {0, owner}
end
if not tonumber(redis.call('HGET', KEYS[1], 'epoch')) then
  return {-1}
end
if ARGV[3] == ARGV[1] and redis.call('HGET', KEYS[1], 'run') == ARGV[6] then
  return {2, tonumber(redis.call('HGET', KEYS[1], 'epoch'))}
end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'instance', ARGV[1], 'app', ARGV[2], 'updated', ARGV[5], 'run', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, epoch}
