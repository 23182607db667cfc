-- complete_flush.lua: Store.CompleteFlush, the Lua mirror of
-- memory.Store.CompleteFlush. Enqueues the flush's notifications and
-- marks what the flush saw as notified, atomically, and only while the
-- caller still holds the lease.
--
-- KEYS[1] group:<key>   KEYS[2] members:<key>   KEYS[3] groups:due
-- KEYS[4] outbox        KEYS[5] timers:due      KEYS[6] bodies:<key>
-- ARGV[1..7] lease, group key, now, retention, consumer group, key
-- prefix, n
-- then for each of the n members the flush saw: its fingerprint,
-- version, record as the flush saw it, and record once told ('' if it
-- leaves the group: it is resolved), then the payloads to enqueue. A
-- member whose record is still the one seen is changed by the record
-- the caller made; any other is decoded and checked by its version.
-- Returns 1, or 0 if the lease was lost (nothing is changed then).

local gk, mk, due, stream, bk = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6]
local lease, key, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
C.retention, C.timers, C.prefix = tonumber(ARGV[4]), KEYS[5], ARGV[6]
local consumers, n = ARGV[5], tonumber(ARGV[7])

if redis.call('HGET', gk, 'lease') ~= lease then  -- g == nil || g.lease != f.Lease
  return 0
end

ensure_outbox(stream, consumers)                   -- s.outbox.add(now, entries...)
for i = 8 + 4 * n, #ARGV do
  xadd(stream, ARGV[i], '0', int(now), '')
end
expire(stream)

-- The members the flush saw are read, and those it told about written,
-- a command each for all of them (call_chunked), not one per member.
local seen = {}
for i = 8, 7 + 4 * n, 4 do                         -- for _, seen := range f.Members
  seen[#seen + 1] = ARGV[i]
end
local recs = call_chunked('HMGET', mk, seen, 1)
local told, gone, records, bodies = {}, {}, {}, {}  -- told: members left with no news
for i, fp in ipairs(seen) do
  local a = 4 + 4 * i                              -- ARGV[a] is fp
  if recs[i] == ARGV[a + 2] then                   -- unchanged since the flush read it
    if ARGV[a + 3] == '' then
      gone[#gone + 1] = fp                         -- delete(g.members, fp)
      untally(gk, decode_member(recs[i]))
    else
      records[#records + 1] = fp
      records[#records + 1] = ARGV[a + 3]
      told[fp] = true
    end
  else
    local m = decode_member(recs[i])
    if m and m.version == tonumber(ARGV[a + 1]) then -- m != nil && m.Version == seen.Version
      if m.status == 'resolved' then
        gone[#gone + 1] = fp
        untally(gk, m)
      else
        m.flushed, m.reason = m.status, ''         -- m.Flushed, m.Reason = m.Alert.Status, ""
        if m.alert then                            -- a record of an earlier version
          bodies[#bodies + 1] = fp
          bodies[#bodies + 1] = m.alert
          m.alert = nil
        end
        records[#records + 1] = fp
        records[#records + 1] = encode_member(m)
        told[fp] = true
      end
    end
  end
end
call_chunked('HDEL', mk, gone, 1)
call_chunked('HDEL', bk, gone, 1)
call_chunked('HSET', bk, bodies, 2)
call_chunked('HSET', mk, records, 2)

flush_tallies()

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
-- those alone.
local untold = {}
for _, fp in ipairs(redis.call('HKEYS', mk)) do
  if not told[fp] then untold[#untold + 1] = fp end
end
for _, rec in ipairs(call_chunked('HMGET', mk, untold, 1)) do
  if decode_member(rec).reason ~= '' then          -- m.Changed()
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
