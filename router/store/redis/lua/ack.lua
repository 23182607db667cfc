-- ack.lua: Store.Ack: removes a delivered entry from the consumer
-- group's pending list and from the stream.
--
-- KEYS[1]    outbox
-- ARGV[1..3] consumer group, id, retention

local stream, group, id = KEYS[1], ARGV[1], ARGV[2]
C.retention = tonumber(ARGV[3])

redis.call('XACK', stream, group, id)
redis.call('XDEL', stream, id)
expire(stream)
return 1
