-- The owner changes the PIN by phone. Provisioning never overwrites it
-- afterwards (pin_source = owner), and pin_ver moves on so that a
-- provisioning compare-and-set in flight fails.
-- KEYS[1] mailbox HASH
-- ARGV pin_hash, pin_default ("1"/"0")
-- Returns 1, or 0 if there is no such mailbox (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'pin_hash', ARGV[1], 'pin_source', 'owner', 'pin_default', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'pin_ver', 1)
return 1
