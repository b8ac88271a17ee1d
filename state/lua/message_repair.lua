-- Repair one message of a mailbox, as fsck found it, checking again here
-- that the problem is still there (another change may have fixed or
-- replaced it since fsck looked). Modes:
--   dangling      the record's audio is gone: remove the message (record
--                 and folder entries), if its recording is still ARGV[3]
--   stray-id      a folder lists an id with no record: remove the id from
--                 every folder, if there is still no record
--   stray-record  a record that no folder lists: delete it, if no folder
--                 lists it still, nor the trash
--   refolder      the record's folder field names another folder than the
--                 one listing it: set the field, if exactly one folder
--                 lists it
-- KEYS[1..6] folder ZSETs 0 New … 4 Friends, 5 Urgent, KEYS[7] version,
-- KEYS[8] message HASH, KEYS[9] trash ZSET
-- ARGV mode, message id, expected recording (dangling only)
-- Returns {done, new (New and Urgent), old, version}: done 1 if something changed (the
-- version is incremented when a folder changed), 0 if the problem was gone.
local mode, id = ARGV[1], ARGV[2]
local done = 0
local folderChanged = false
local function removeEverywhere()
  for i = 1, 6 do
    if redis.call('ZREM', KEYS[i], id) == 1 then
      folderChanged = true
    end
  end
end
local function listedIn()
  local in_ = {}
  for i = 1, 6 do
    if redis.call('ZSCORE', KEYS[i], id) then
      in_[#in_ + 1] = i - 1
    end
  end
  return in_
end
if mode == 'dangling' then
  if redis.call('EXISTS', KEYS[8]) == 1 and (redis.call('HGET', KEYS[8], 'recording') or '') == ARGV[3] then
    removeEverywhere()
    redis.call('DEL', KEYS[8])
    done = 1
  end
elseif mode == 'stray-id' then
  if redis.call('EXISTS', KEYS[8]) == 0 then
    removeEverywhere()
    if folderChanged then
      done = 1
    end
  end
elseif mode == 'stray-record' then
  if #listedIn() == 0 and not redis.call('ZSCORE', KEYS[9], id) and redis.call('DEL', KEYS[8]) == 1 then
    done = 1
  end
elseif mode == 'refolder' then
  local in_ = listedIn()
  if #in_ == 1 and redis.call('EXISTS', KEYS[8]) == 1 and redis.call('HGET', KEYS[8], 'folder') ~= tostring(in_[1]) then
    redis.call('HSET', KEYS[8], 'folder', in_[1])
    done = 1
  end
else
  return redis.error_reply('unknown repair mode ' .. mode)
end
local ver
if folderChanged then
  ver = redis.call('INCR', KEYS[7])
else
  ver = tonumber(redis.call('GET', KEYS[7]) or '0') or 0
end
return {done, redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[6]), redis.call('ZCARD', KEYS[2]), ver}
