-- cancel_timers.lua: Store.CancelTimers: removes every timer of a group.
--
-- KEYS[1] timers:due    KEYS[2] timer:<group>
-- ARGV[1] key prefix    ARGV[2] group

C.timers, C.prefix = KEYS[1], ARGV[1]
cancel_timers(ARGV[2])
return 1
