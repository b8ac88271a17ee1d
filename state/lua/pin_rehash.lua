-- After a right PIN, a hash made at another bcrypt cost than the configured
-- one is replaced by one of the same PIN at that cost. Nothing else
-- changes: not pin_source, not pin_default, not pin_ver (the PIN is the
-- same). Only if the hash is still the one compared: a PIN change or a
-- provisioning meanwhile wins.
-- KEYS[1] mailbox HASH
-- ARGV old pin_hash, new pin_hash
-- Returns 1 if replaced, 0 if not.
if redis.call('HGET', KEYS[1], 'pin_hash') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'pin_hash', ARGV[2])
  return 1
end
return 0
