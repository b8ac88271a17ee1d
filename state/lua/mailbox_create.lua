-- Create a mailbox record from the configuration (provisioning) unless one
-- exists (another instance may be provisioning the same mailbox at the same
-- time) or an administrator deleted it (its tombstone: the YAML is a seed,
-- and does not bring back what the admin API or CLI removed).
-- KEYS[1] mailbox HASH, KEYS[2] tombstone
-- ARGV name, email, language, pin_hash, pin_default ("1"/"0"), created_ms,
--      review ("1"/"0", or "" for the system's setting),
--      pager, attach, delete_email ("1"/"0"), tz,
--      ARGV[12] n, then n option field/value pairs (options.go; "" for
--      an option that follows the system's setting: not written)
-- Returns 1 if created, 0 if the mailbox already existed, 2 if it was
-- deleted by an administrator (nothing written either way).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 2
end
redis.call('HSET', KEYS[1],
  'name', ARGV[1], 'email', ARGV[2], 'language', ARGV[3],
  'pin_hash', ARGV[4], 'pin_source', 'config', 'pin_default', ARGV[5],
  'pin_ver', 1, 'created', ARGV[6], 'managed', 'config',
  'pager', ARGV[8] or '', 'attach', ARGV[9] or '',
  'delete_email', ARGV[10] or '0', 'tz', ARGV[11] or '')
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'review', ARGV[7])
end
local n = tonumber(ARGV[12] or '0') or 0
for i = 1, n do
  local v = ARGV[12 + 2 * i]
  if v ~= '' then
    redis.call('HSET', KEYS[1], ARGV[11 + 2 * i], v)
  end
end
return 1
