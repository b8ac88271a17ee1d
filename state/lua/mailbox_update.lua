-- Update a provisioned mailbox: name, email, language, review and the
-- notification settings (pager, attach, delete_email, tz) always; the PIN
-- only if it is still set by configuration and nobody changed it since it
-- was read (compare-and-set on pin_ver), so an owner's or an
-- administrator's change that races provisioning wins. A mailbox that the
-- admin API or CLI created or changed (managed = api) is left alone.
-- KEYS[1] mailbox HASH
-- ARGV name, email, language,
--      pin_hash    new hash, or "" to keep the hash,
--      pin_default "1"/"0", or "" to keep the flag,
--      pin_ver     the pin_ver read before hashing,
--      review      "1"/"0", or "" for the system's setting,
--      pager, attach, delete_email ("1"/"0"), tz,
--      ARGV[12] n, then n option field/value pairs (options.go; "" for
--      an option that follows the system's setting: removed)
-- Returns {status, pin_lost}: status -1 no such mailbox, -2 managed by the
-- admin API (nothing written either way), 0 nothing changed, 1 something
-- changed; pin_lost 1 when a PIN change was asked for and refused by the
-- compare-and-set.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, 0}
end
if redis.call('HGET', KEYS[1], 'managed') == 'api' then
  return {-2, 0}
end
local changed = 0
local fields = {name = 1, email = 2, language = 3, pager = 8, attach = 9, delete_email = 10, tz = 11}
for field, i in pairs(fields) do
  local want = ARGV[i] or ''
  local have = redis.call('HGET', KEYS[1], field)
  -- A field never set reads as "" (and delete_email as "0").
  if (have or '') ~= want and not (have == false and (want == '' or (field == 'delete_email' and want == '0'))) then
    redis.call('HSET', KEYS[1], field, want)
    changed = 1
  end
end
local review = redis.call('HGET', KEYS[1], 'review') or ''
if review ~= ARGV[7] then
  if ARGV[7] == '' then
    redis.call('HDEL', KEYS[1], 'review')
  else
    redis.call('HSET', KEYS[1], 'review', ARGV[7])
  end
  changed = 1
end
local nopt = tonumber(ARGV[12] or '0') or 0
for i = 1, nopt do
  local field, want = ARGV[11 + 2 * i], ARGV[12 + 2 * i]
  local have = redis.call('HGET', KEYS[1], field) or ''
  if have ~= want then
    if want == '' then
      redis.call('HDEL', KEYS[1], field)
    else
      redis.call('HSET', KEYS[1], field, want)
    end
    changed = 1
  end
end
local lost = 0
if ARGV[4] ~= '' or ARGV[5] ~= '' then
  -- A record without pin_source is treated as set by configuration, so
  -- provisioning repairs a record that lost its PIN fields.
  local src = redis.call('HGET', KEYS[1], 'pin_source')
  local ver = redis.call('HGET', KEYS[1], 'pin_ver') or ''
  if (not src or src == 'config') and ver == ARGV[6] then
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
