-- Create a mailbox through the admin API or CLI: managed by the API from
-- then on (provisioning leaves it alone). Clears a tombstone left by an
-- earlier deletion.
-- KEYS[1] mailbox HASH, KEYS[2] tombstone
-- ARGV name, email, language, review ("1"/"0" or "" for the system's),
--      pin_hash, pin_default ("1": the owner must choose a PIN at the next
--      login), created_ms,
--      ARGV[8] n, then n field/value pairs of the options and notification
--      settings (options.go; "" for one not set: not written)
-- Returns 1 if created, 0 if the mailbox exists (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1],
  'name', ARGV[1], 'email', ARGV[2], 'language', ARGV[3],
  'pin_hash', ARGV[5], 'pin_source', 'admin', 'pin_default', ARGV[6],
  'pin_ver', 1, 'created', ARGV[7], 'managed', 'api')
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'review', ARGV[4])
end
local n = tonumber(ARGV[8] or '0') or 0
for i = 1, n do
  local v = ARGV[8 + 2 * i]
  if v ~= '' then
    redis.call('HSET', KEYS[1], ARGV[7 + 2 * i], v)
  end
end
redis.call('DEL', KEYS[2])
return 1
