-- A notification was accepted by the relay: acknowledge it and take it out
-- of the outbox. With delete set (app_voicemail's delete=yes, for the
-- email of a mailbox that deletes after email), the message goes too, from
-- whatever folder holds it, in the same script: never before the relay
-- accepted the mail, and never left behind once the outbox forgot it.
-- An outbox left empty is removed with its consumer group.
-- KEYS[1] outbox STREAM, KEYS[2] tries HASH; with delete also KEYS[3..8]
-- folder ZSETs 0 New … 4 Friends, 5 Urgent, KEYS[9] version, KEYS[10]
-- message HASH
-- ARGV entry id, delete ("1"/"0"), message id
-- Returns {acked, deleted, new, old, version, recording…}: acked 1 when
-- the entry was pending (0: another instance acknowledged it first);
-- deleted 1 when the message was removed (version incremented), and then
-- its recordings (audio and any introduction) follow; new, old and
-- version are the counts after it (0 without delete; new counts New and
-- Urgent).
local id = ARGV[1]
local acked = redis.call('XACK', KEYS[1], 'mail', id)
redis.call('XDEL', KEYS[1], id)
redis.call('HDEL', KEYS[2], id .. ':n', id .. ':next', id .. ':err')
if redis.call('XLEN', KEYS[1]) == 0 then
  local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], 'mail')
  if not ok or p[1] == 0 then
    redis.call('DEL', KEYS[1], KEYS[2])
  end
end
if ARGV[2] ~= '1' then
  return {acked, 0, 0, 0, 0}
end
local msg = ARGV[3]
local rec = redis.call('HGET', KEYS[10], 'recording')
local intro = redis.call('HGET', KEYS[10], 'intro')
local changed = false
for i = 3, 8 do
  if redis.call('ZREM', KEYS[i], msg) == 1 then
    changed = true
  end
end
if redis.call('DEL', KEYS[10]) == 1 then
  changed = true
end
local ver
if changed then
  ver = redis.call('INCR', KEYS[9])
else
  ver = tonumber(redis.call('GET', KEYS[9]) or '0') or 0
end
local reply = {acked, changed and 1 or 0, redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[8]), redis.call('ZCARD', KEYS[4]), ver}
if changed then
  if rec and rec ~= '' then
    reply[#reply + 1] = rec
  end
  if intro and intro ~= '' then
    reply[#reply + 1] = intro
  end
end
return reply
