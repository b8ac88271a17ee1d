-- Delete a mailbox with its messages, greetings and PIN state, leaving a
-- tombstone so that provisioning does not create it again from the YAML.
-- The MWI version moves on (and it and the last claim are kept), so that a
-- publisher publishes 0/0 and the phones' lamps go off; a mailbox created
-- again later goes on from that version.
-- KEYS[1] mailbox HASH, KEYS[2] auth:fail, KEYS[3] auth:lock,
-- KEYS[4] auth:strikes, KEYS[5] greetings, KEYS[6] version,
-- KEYS[7] tombstone, KEYS[8..13] folder ZSETs 0 New … 4 Friends, 5 Urgent,
-- KEYS[14] outbox STREAM, KEYS[15] outbox:try, KEYS[16] outbox:dead,
-- KEYS[17] auth:day (a mailbox created again with this number must not
-- inherit the old owner's pending emails or failed logins),
-- KEYS[18] trash ZSET,
-- KEYS[19..] one message HASH per id of ARGV[2..], in the same order
-- ARGV now_ms, the message ids read from the folders and the trash
-- Returns {0} no such mailbox (nothing written), {-1} a folder or the
-- trash holds a message not listed (deposited since the folders were read: read again;
-- nothing written), or {1, new, old, version, recording…}: the audio of
-- the messages (and introductions) and greetings deleted, for the caller to
-- delete once this has run.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0}
end
local listed = {}
for i = 2, #ARGV do
  listed[ARGV[i]] = true
end
for _, f in ipairs({8, 9, 10, 11, 12, 13, 18}) do
  for _, id in ipairs(redis.call('ZRANGE', KEYS[f], 0, -1)) do
    if not listed[id] then
      return {-1}
    end
  end
end
local reply = {1, 0, 0, 0}
for i = 19, #KEYS do
  local rec = redis.call('HMGET', KEYS[i], 'recording', 'intro')
  for _, r in ipairs(rec) do
    if r and r ~= '' then
      reply[#reply + 1] = r
    end
  end
end
for _, r in ipairs(redis.call('HVALS', KEYS[5])) do
  if r ~= '' then
    reply[#reply + 1] = r
  end
end
for i = 1, #KEYS do
  if i ~= 6 and i ~= 7 then
    redis.call('DEL', KEYS[i])
  end
end
reply[4] = redis.call('INCR', KEYS[6])
redis.call('SET', KEYS[7], ARGV[1])
return reply
