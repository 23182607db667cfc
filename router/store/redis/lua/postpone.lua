-- postpone.lua: Store.Postpone, the Lua mirror of memory.Store.Postpone:
-- releases a claimed group without notifying, due again at until.
--
-- KEYS[1] group:<key>   KEYS[2] members:<key>   KEYS[3] groups:due
-- KEYS[4] bodies:<key>
-- ARGV[1..4] lease, group key, until, retention
-- Returns 1, or 0 if the lease was lost.

local gk, mk, due, bk = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local lease, key, due_at = ARGV[1], ARGV[2], tonumber(ARGV[3])
C.retention = tonumber(ARGV[4])

if redis.call('HGET', gk, 'lease') ~= lease then  -- g == nil || g.lease != f.Lease
  return 0
end
redis.call('HDEL', gk, 'lease', 'leaseUntil')     -- g.lease = ""
redis.call('ZADD', due, int(due_at), key)          -- g.due = until
expire(gk)
expire(mk)
expire(bk)
expire(due)
return 1
