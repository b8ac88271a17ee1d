-- Purge messages from a mailbox's trash for good: the records go, and
-- their audio is returned for the caller to delete once this has run (a
-- crash in between leaves an orphan file for the janitor, never a record
-- without audio). Only entries deleted at or before the cutoff go, so that
-- a message restored and deleted again since the ids were read stays.
-- KEYS[1] trash ZSET, KEYS[2..] one message HASH per id of ARGV[2..]
-- ARGV cutoff_ms ('+inf' for any), the ids
-- Returns {purged, recording…}.
local purged = 0
local removed = {}
local cutoff = ARGV[1]
for j = 2, #ARGV do
  local id, key = ARGV[j], KEYS[j]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and (cutoff == '+inf' or tonumber(score) <= tonumber(cutoff)) then
    redis.call('ZREM', KEYS[1], id)
    if redis.call('HEXISTS', key, 'deleted') == 1 then
      for _, r in ipairs(redis.call('HMGET', key, 'recording', 'intro')) do
        if r and r ~= '' then
          removed[#removed + 1] = r
        end
      end
      redis.call('DEL', key)
    end
    purged = purged + 1
  end
end
local reply = {purged}
for _, r in ipairs(removed) do
  reply[#reply + 1] = r
end
return reply
