-- Move a mailbox's MWI version past the last claimed one, when the claim
-- is ahead of it (the version key was lost or restored from an older
-- copy): until then ClaimMWI refuses every publication and phones keep
-- stale counts.
-- KEYS[1] version, KEYS[2] last claimed version
-- Returns the version after the change, or 0 when the claim was not ahead.
local ver = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local pub = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if pub <= ver then
  return 0
end
redis.call('SET', KEYS[1], pub + 1)
return pub + 1
