-- enqueue.lua: Store.Enqueue, and the outbox half of every script that
-- enqueues: appends notifications to the outbox stream, creating the
-- stream and its consumer group on first use.
--
-- KEYS[1]    outbox
-- ARGV[1..3] consumer group, now, retention
-- then the payloads.
-- Returns the number of entries added.

local stream, group, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
C.retention = tonumber(ARGV[3])

ensure_outbox(stream, group)
for i = 4, #ARGV do
  xadd(stream, ARGV[i], '0', int(now), '')        -- Entry{Payload: p, Enqueued: now}
end
expire(stream)
return #ARGV - 3
