-- Remove entries that are no message id from every folder of a mailbox
-- (fsck --repair): no record can belong to them, yet they count.
-- KEYS[1..6] folder ZSETs 0 New … 4 Friends, 5 Urgent, KEYS[7] version
-- ARGV the entries
-- Returns {removed, new, old, version}: the version is incremented if
-- anything was removed; new counts New and Urgent.
local removed = 0
for i = 1, 6 do
  for j = 1, #ARGV do
    removed = removed + redis.call('ZREM', KEYS[i], ARGV[j])
  end
end
local ver
if removed > 0 then
  ver = redis.call('INCR', KEYS[7])
else
  ver = tonumber(redis.call('GET', KEYS[7]) or '0') or 0
end
return {removed, redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[6]), redis.call('ZCARD', KEYS[2]), ver}
