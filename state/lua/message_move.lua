-- Move a message to another folder, keeping its received time as the score
-- (app_voicemail's save_to_folder), unless that folder holds max messages
-- (its maxmsg: the mailbox record's maxmsg field, else ARGV max;
-- ERROR_MAX_MSGS). The id is taken out of every other folder,
-- so a message is never in two. A message in the trash is not found.
-- KEYS[1..6] folder ZSETs 0 New … 4 Friends, 5 Urgent, KEYS[7] version,
-- KEYS[8] message HASH, KEYS[9] mailbox HASH
-- ARGV message id, target folder number (0 to 5), max
-- Returns {status, new, old, version}: status 1 moved (version
-- incremented), 2 already in that folder, 0 no such message, -1 target
-- folder full (nothing written but in the first case). new counts New and
-- Urgent (both light the lamp).
local function unheard()
  return redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[6])
end
local function current(status)
  return {status, unheard(), redis.call('ZCARD', KEYS[2]),
    tonumber(redis.call('GET', KEYS[7]) or '0') or 0}
end
local id = ARGV[1]
local to = tonumber(ARGV[2]) + 1
local from = redis.call('HGET', KEYS[8], 'folder')
if not from or redis.call('HEXISTS', KEYS[8], 'deleted') == 1 then
  -- A message in the trash moves only by message_restore.lua.
  return current(0)
end
if tonumber(from) == to - 1 and redis.call('ZSCORE', KEYS[to], id) then
  return current(2)
end
local max = tonumber(redis.call('HGET', KEYS[9], 'maxmsg') or '') or tonumber(ARGV[3])
if redis.call('ZCARD', KEYS[to]) >= max then
  return current(-1)
end
local score
for i = 1, 6 do
  local s = redis.call('ZSCORE', KEYS[i], id)
  if s then
    score = score or s
    if i ~= to then
      redis.call('ZREM', KEYS[i], id)
    end
  end
end
score = score or redis.call('HGET', KEYS[8], 'received') or '0'
redis.call('ZADD', KEYS[to], score, id)
redis.call('HSET', KEYS[8], 'folder', to - 1)
local ver = redis.call('INCR', KEYS[7])
return {1, unheard(), redis.call('ZCARD', KEYS[2]), ver}
