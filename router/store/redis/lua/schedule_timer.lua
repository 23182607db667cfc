-- schedule_timer.lua: Store.ScheduleTimer, the Lua mirror of
-- memory.Store.ScheduleTimer: sets a timer, replacing (and unleasing)
-- the group's timer for the same receiver.
--
-- KEYS[1] timers:due    KEYS[2] timer:<group>
-- ARGV[1..4] group, receiver, at, retention

C.timers, C.retention = KEYS[1], tonumber(ARGV[4])
local tk, group, receiver, at = KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3])

redis.call('ZADD', C.timers, int(at), timer_member(group, receiver))
redis.call('HSET', tk, receiver, encode_timer({lease = '', leaseUntil = 0}))  -- t.Lease = ""
expire(C.timers)
expire(tk)
return 1
