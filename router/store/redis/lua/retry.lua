-- retry.lua: Store.Retry: removes a claimed entry from the stream and
-- parks it in the retry set, scored by when it may be handed out again
-- (memory's delayed heap). claim_outbox.lua moves it back.
--
-- KEYS[1]    outbox        KEYS[2] retry
-- ARGV[1..8] consumer group, id, at, payload, attempts, enqueued,
--            lastError, retention
-- The retry-set member is a MessagePack array of id, payload, attempts,
-- enqueued, lastError; the id keeps members unique.

local stream, retry = KEYS[1], KEYS[2]
local group, id, at = ARGV[1], ARGV[2], tonumber(ARGV[3])
C.retention = tonumber(ARGV[8])

redis.call('XACK', stream, group, id)              -- delete(o.inflight, e.ID)
redis.call('XDEL', stream, id)
redis.call('ZADD', retry, int(at), cmsgpack.pack({id, ARGV[4], ARGV[5], ARGV[6], ARGV[7]}))
expire(retry)
expire(stream)
return 1
