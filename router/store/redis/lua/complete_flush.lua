-- complete_flush.lua: Store.CompleteFlush, the Lua mirror of
-- memory.Store.CompleteFlush. Enqueues the flush's notifications and
-- marks what the flush saw as notified, atomically, and only while the
-- caller still holds the lease.
--
-- KEYS[1] group:<key>   KEYS[2] members:<key>   KEYS[3] groups:due
-- KEYS[4] outbox        KEYS[5] timers:due      KEYS[6] bodies:<key>
-- ARGV[1..7] lease, group key, now, retention, consumer group, key
-- prefix, n
-- then n fingerprint/version pairs (the members the flush saw), then
-- the payloads to enqueue.
-- Returns 1, or 0 if the lease was lost (nothing is changed then).

local gk, mk, due, stream, bk = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6]
local lease, key, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
C.retention, C.timers, C.prefix = tonumber(ARGV[4]), KEYS[5], ARGV[6]
local consumers, n = ARGV[5], tonumber(ARGV[7])

if redis.call('HGET', gk, 'lease') ~= lease then  -- g == nil || g.lease != f.Lease
  return 0
end

ensure_outbox(stream, consumers)                   -- s.outbox.add(now, entries...)
for i = 8 + 2 * n, #ARGV do
  xadd(stream, ARGV[i], '0', int(now), '')
end
expire(stream)

local told = {}                                    -- members left with no news
for i = 8, 7 + 2 * n, 2 do                         -- for _, seen := range f.Members
  local fp = ARGV[i]
  local m = decode_member(redis.call('HGET', mk, fp))
  if m and m.version == tonumber(ARGV[i + 1]) then -- m != nil && m.Version == seen.Version
    if m.status == 'resolved' then
      redis.call('HDEL', mk, fp)                   -- delete(g.members, fp)
      redis.call('HDEL', bk, fp)
    else
      m.flushed, m.reason = m.status, ''           -- m.Flushed, m.Reason = m.Alert.Status, ""
      keep_body(bk, fp, m)
      redis.call('HSET', mk, fp, encode_member(m))
      told[fp] = true
    end
  end
end

-- g.lastFlush, g.lease, g.due = now, "", time.Time{}
redis.call('HSET', gk, 'lastFlush', int(now))
redis.call('HDEL', gk, 'lease', 'leaseUntil')
redis.call('ZREM', due, key)
if redis.call('HLEN', mk) == 0 then                -- len(g.members) == 0
  redis.call('DEL', gk, mk, bk)                    -- delete(s.groups, f.Group.Key)
  cancel_timers(key)                               -- s.cancelTimers(f.Group.Key)
  return 1
end
-- Only members this flush did not just tell about can have news: read
-- those alone, not every member's alert again.
for _, fp in ipairs(redis.call('HKEYS', mk)) do
  if not told[fp] and decode_member(redis.call('HGET', mk, fp)).reason ~= '' then -- m.Changed()
    local interval = tonumber(redis.call('HGET', gk, 'interval'))
    redis.call('ZADD', due, int(now + interval), key)  -- g.due = now.Add(g.ref.Interval)
    expire(due)
    break
  end
end
expire(gk)
expire(mk)
expire(bk)
return 1
