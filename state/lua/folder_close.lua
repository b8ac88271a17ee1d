-- Apply what happened while a caller browsed a folder, as app_voicemail's
-- close_mailbox does when the caller leaves the folder or hangs up:
-- deleted messages are removed from whatever folder holds them, and, when
-- the folder browsed is New or Urgent, heard messages move to Old (keeping
-- their received time) unless Old holds max messages (the mailbox record's
-- maxmsg field, else ARGV max), in which case they
-- stay where they are (close_mailbox: "destination folder full"). Unknown
-- ids are ignored.
-- KEYS[1..6] folder ZSETs 0 New … 4 Friends, 5 Urgent, KEYS[7] version,
-- KEYS[8] mailbox HASH, KEYS[9..] one message HASH per id of ARGV[4..], in
-- the same order
-- ARGV folder browsed (0 to 5), number of heard ids h, max,
--      the h heard ids, then the deleted ids
-- Returns {new, old, version, kept, recording…}: new counts New and
-- Urgent (both light the lamp); version is incremented once if anything
-- changed; kept counts heard messages left unmoved because Old was full;
-- the recordings are those of the deleted messages (audio and any
-- introduction).
local h = tonumber(ARGV[2])
local max = tonumber(redis.call('HGET', KEYS[8], 'maxmsg') or '') or tonumber(ARGV[3])
local n = #ARGV - 3
local changed = false
local removed = {}
for j = h + 1, n do
  local id, key = ARGV[3 + j], KEYS[8 + j]
  local rec = redis.call('HGET', key, 'recording')
  local intro = redis.call('HGET', key, 'intro')
  for i = 1, 6 do
    if redis.call('ZREM', KEYS[i], id) == 1 then
      changed = true
    end
  end
  if redis.call('DEL', key) == 1 then
    changed = true
  end
  if rec and rec ~= '' then
    removed[#removed + 1] = rec
  end
  if intro and intro ~= '' then
    removed[#removed + 1] = intro
  end
end
local kept = 0
if ARGV[1] == '0' or ARGV[1] == '5' then
  local from = KEYS[tonumber(ARGV[1]) + 1]
  for j = 1, h do
    local id, key = ARGV[3 + j], KEYS[8 + j]
    local score = redis.call('ZSCORE', from, id)
    if score and redis.call('EXISTS', key) == 1 then
      if redis.call('ZCARD', KEYS[2]) >= max then
        kept = kept + 1
      else
        redis.call('ZREM', from, id)
        redis.call('ZADD', KEYS[2], score, id)
        redis.call('HSET', key, 'folder', 1)
        changed = true
      end
    end
  end
end
local ver
if changed then
  ver = redis.call('INCR', KEYS[7])
else
  ver = tonumber(redis.call('GET', KEYS[7]) or '0') or 0
end
local reply = {redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[6]), redis.call('ZCARD', KEYS[2]), ver, kept}
for _, rec in ipairs(removed) do
  reply[#reply + 1] = rec
end
return reply
