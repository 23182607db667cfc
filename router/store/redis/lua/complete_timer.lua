-- complete_timer.lua: Store.CompleteTimer, the Lua mirror of
-- memory.Store.CompleteTimer: removes a fired timer, enqueues its
-- notifications and, if any were enqueued, records the escalation on
-- the group, atomically, and only while the caller holds the lease.
--
-- KEYS[1] timers:due    KEYS[2] timer:<group>   KEYS[3] group:<group>
-- KEYS[4] outbox
-- ARGV[1..6] group, receiver, lease, now, retention, consumer group
-- then the payloads to enqueue.
-- Returns 1, or 0 if the lease was lost (nothing is changed then).

C.timers, C.retention = KEYS[1], tonumber(ARGV[5])
local tk, gk, stream = KEYS[2], KEYS[3], KEYS[4]
local group, receiver, lease, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])

local t = decode_timer(redis.call('HGET', tk, receiver))
if not t or t.lease ~= lease then                  -- cur == nil || cur.t.Lease != t.Lease
  return 0
end
redis.call('HDEL', tk, receiver)                   -- delete(s.timers, timerKey(t))
redis.call('ZREM', C.timers, timer_member(group, receiver))
if #ARGV == 6 then                                 -- no entries
  return 1
end

ensure_outbox(stream, ARGV[6])                     -- s.outbox.add(now, entries...)
for i = 7, #ARGV do
  xadd(stream, ARGV[i], '0', int(now), '')
end
expire(stream)

if redis.call('EXISTS', gk) == 0 then              -- g == nil
  return 1
end
local escalated = unpack_list(redis.call('HGET', gk, 'escalated'))
for _, r in ipairs(escalated) do
  if r == receiver then return 1 end               -- slices.Contains(g.escalated, t.Receiver)
end
escalated[#escalated + 1] = receiver               -- g.escalated = append(g.escalated, t.Receiver)
redis.call('HSET', gk, 'escalated', cmsgpack.pack(escalated))
expire(gk)
return 1
