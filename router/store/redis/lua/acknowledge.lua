-- acknowledge.lua: Store.Acknowledge, the Lua mirror of
-- memory.Store.Acknowledge: records who acknowledged a group's incident
-- and cancels the group's escalation timers, atomically.
--
-- KEYS[1] group:<key>   KEYS[2] timers:due
-- ARGV[1..5] key prefix, group key, by, now, retention
-- Returns 1, or 0 for an unknown group (store.ErrNotFound).

local gk = KEYS[1]
C.prefix, C.timers, C.retention = ARGV[1], KEYS[2], tonumber(ARGV[5])
local key, by, now = ARGV[2], ARGV[3], tonumber(ARGV[4])

if redis.call('EXISTS', gk) == 0 then              -- g == nil
  return 0
end
redis.call('HSET', gk, 'ackedBy', by, 'ackedAt', int(now))  -- g.ackedBy, g.ackedAt = by, now
expire(gk)
cancel_timers(key)                                 -- s.cancelTimers(key)
return 1
