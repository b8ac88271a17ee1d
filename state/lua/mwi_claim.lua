-- Claim the right to publish a mailbox's message-waiting state at a
-- version: a compare-and-set that succeeds only for a version greater than
-- any claimed before, so a publisher holding older counts loses.
-- Versions are compared as decimal strings (longer is greater, then
-- lexically), which is exact for every int64, unlike Lua's doubles.
-- A claim won also marks the mailbox as just published for the window
-- (KEYS[2], expiring by itself), and says whether another publication had
-- marked it within the window: two publications that close together may
-- reach the phones in either order, so the later one's publisher settles.
-- KEYS[1] last claimed version
-- KEYS[2] recent-publication mark
-- ARGV[1] version: a positive integer in decimal without leading zeros
-- ARGV[2] window in milliseconds, a positive integer
-- Returns 0 not greater than the last claim (nothing recorded), 1 claimed
-- with no other publication within the window, 2 claimed with one.
local v = ARGV[1]
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^[1-9]%d*$') then
  if #v < #cur or (#v == #cur and v <= cur) then
    return 0
  end
end
-- Absent, "0" or unreadable: any positive version wins.
redis.call('SET', KEYS[1], v)
local crowded = redis.call('EXISTS', KEYS[2])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 1 + crowded
