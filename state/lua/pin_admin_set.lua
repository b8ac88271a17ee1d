-- An administrator sets a mailbox's PIN (the admin API or CLI): provisioning
-- never overwrites it (pin_source = admin), pin_ver moves on so that a
-- provisioning compare-and-set in flight fails, and the mailbox's lockout
-- and failure counts are cleared, so the owner can log in with it at once.
-- KEYS[1] mailbox HASH, KEYS[2] auth:fail, KEYS[3] auth:lock,
-- KEYS[4] auth:strikes, KEYS[5] auth:day
-- ARGV pin_hash, pin_default ("1": the owner must choose a PIN at the next
--      login)
-- Returns 1, or 0 if there is no such mailbox (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'pin_hash', ARGV[1], 'pin_source', 'admin', 'pin_default', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'pin_ver', 1)
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 1
