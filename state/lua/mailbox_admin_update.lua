-- Change a mailbox's fields through the admin API or CLI. The mailbox is
-- the API's from then on: provisioning no longer applies the YAML to it.
-- KEYS[1] mailbox HASH
-- ARGV n, then n field/value pairs to set, then the fields to delete
-- Returns 1, or 0 if there is no such mailbox (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local n = tonumber(ARGV[1])
for i = 1, n do
  redis.call('HSET', KEYS[1], ARGV[2 * i], ARGV[2 * i + 1])
end
for i = 2 * n + 2, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
redis.call('HSET', KEYS[1], 'managed', 'api')
return 1
