-- Update a provisioned mailbox: name, email and language always; the PIN
-- only if it is still set by configuration and nobody changed it since it
-- was read (compare-and-set on pin_ver), so an owner's change by phone that
-- races provisioning wins.
-- KEYS[1] mailbox HASH
-- ARGV name, email, language,
--      pin_hash    new hash, or "" to keep the hash,
--      pin_default "1"/"0", or "" to keep the flag,
--      pin_ver     the pin_ver read before hashing
-- Returns {status, pin_lost}: status -1 no such mailbox (nothing written),
-- 0 nothing changed, 1 something changed; pin_lost 1 when a PIN change was
-- asked for and refused by the compare-and-set.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, 0}
end
local changed = 0
local fields = {'name', 'email', 'language'}
for i = 1, 3 do
  if redis.call('HGET', KEYS[1], fields[i]) ~= ARGV[i] then
    redis.call('HSET', KEYS[1], fields[i], ARGV[i])
    changed = 1
  end
end
local lost = 0
if ARGV[4] ~= '' or ARGV[5] ~= '' then
  -- A record without pin_source is treated as set by configuration, so
  -- provisioning repairs a record that lost its PIN fields.
  local src = redis.call('HGET', KEYS[1], 'pin_source')
  local ver = redis.call('HGET', KEYS[1], 'pin_ver') or ''
  if src ~= 'owner' and ver == ARGV[6] then
    if ARGV[4] ~= '' then
      redis.call('HSET', KEYS[1], 'pin_hash', ARGV[4], 'pin_source', 'config')
      redis.call('HINCRBY', KEYS[1], 'pin_ver', 1)
      changed = 1
    end
    if ARGV[5] ~= '' and redis.call('HGET', KEYS[1], 'pin_default') ~= ARGV[5] then
      redis.call('HSET', KEYS[1], 'pin_default', ARGV[5])
      changed = 1
    end
  else
    lost = 1
  end
end
return {changed, lost}
