-- dead_letter.lua: Store.DeadLetter: removes a claimed entry that
-- failed permanently and records it, newest first, in the dead-letter
-- list bounded to store.MaxDeadLetters.
--
-- KEYS[1]    outbox        KEYS[2] deadletters
-- ARGV[1..5] consumer group, id, DeadLetter JSON, max, retention

local stream, list = KEYS[1], KEYS[2]
local group, id, max = ARGV[1], ARGV[2], tonumber(ARGV[4])
C.retention = tonumber(ARGV[5])

redis.call('XACK', stream, group, id)              -- delete(o.inflight, e.ID)
redis.call('XDEL', stream, id)
redis.call('LPUSH', list, ARGV[3])
redis.call('LTRIM', list, 0, max - 1)
expire(list)
expire(stream)
return 1
