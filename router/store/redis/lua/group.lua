-- group.lua: Store.Group, the Lua mirror of memory.Store.Group: a
-- group's snapshot and incident state, read without claiming the group.
--
-- KEYS[1] group:<key>   KEYS[2] members:<key>
-- ARGV[1] key prefix    ARGV[2] group key
-- Returns the snapshot (groups.lua) followed by ackedBy, ackedAt, and
-- the members and bodies hashes as flat arrays, or an empty array for an
-- unknown group. (It reads the bodies in the script, unlike a claim: it
-- is for a look at one group now and then.)

C.prefix = ARGV[1]
local key = ARGV[2]

if redis.call('EXISTS', KEYS[1]) == 0 then        -- g == nil
  return {}
end
local out = snapshot(key)
local acked = redis.call('HMGET', KEYS[1], 'ackedBy', 'ackedAt')
out[#out + 1] = acked[1] or ''
out[#out + 1] = tonumber(acked[2] or '0')
out[#out + 1] = redis.call('HGETALL', KEYS[2])
out[#out + 1] = redis.call('HGETALL', bodies_key(key))
return out
