-- Delete a call's session unless a newer owner (higher epoch) holds it.
-- KEYS[1] session HASH
-- ARGV epoch
-- Returns 1 deleted (or already gone), 0 refused: a newer owner holds it.
local cur = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '')
if cur and cur > tonumber(ARGV[1]) then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
