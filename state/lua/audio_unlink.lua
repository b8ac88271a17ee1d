-- Remove one pointer at audio that is gone, if it still names that audio:
-- a greeting (the kind's entry of the greetings HASH) or a message's
-- introduction (the intro field of its HASH). Another change may have set
-- a new one since fsck looked; that one is kept.
-- KEYS[1] greetings HASH or message HASH
-- ARGV field (greeting kind, or "intro"), expected recording
-- Returns 1 removed, 0 the field names something else now.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
