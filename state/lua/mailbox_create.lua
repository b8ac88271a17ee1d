-- Create a mailbox record unless one exists (another instance may be
-- provisioning the same mailbox at the same time).
-- KEYS[1] mailbox HASH
-- ARGV name, email, language, pin_hash, pin_default ("1"/"0"), created_ms
-- Returns 1 if created, 0 if the mailbox already existed (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1],
  'name', ARGV[1], 'email', ARGV[2], 'language', ARGV[3],
  'pin_hash', ARGV[4], 'pin_source', 'config', 'pin_default', ARGV[5],
  'pin_ver', 1, 'created', ARGV[6])
return 1
