-- Claim the right to publish a mailbox's message-waiting state at a
-- version: a compare-and-set that succeeds only for a version greater than
-- any claimed before, so a publisher holding older counts loses.
-- Versions are compared as decimal strings (longer is greater, then
-- lexically), which is exact for every int64, unlike Lua's doubles.
-- KEYS[1] last claimed version
-- ARGV version: a positive integer in decimal without leading zeros
-- Returns 1 claimed (recorded), 0 not greater than the last claim.
local v = ARGV[1]
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^[1-9]%d*$') then
  if #v < #cur or (#v == #cur and v <= cur) then
    return 0
  end
end
-- Absent, "0" or unreadable: any positive version wins.
redis.call('SET', KEYS[1], v)
return 1
