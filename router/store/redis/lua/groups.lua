-- groups.lua: notification groups, the Lua mirror of memory.Store.join
-- and memory.Store.touch (router/store/memory/group.go).
--
-- C.prefix, C.due (the groups:due sorted set) and C.retention must be set.
--
-- A group is two hashes and one entry of groups:due:
--   group:<key>    ref (GroupRef JSON), interval (ms), seq, lastFlush,
--                  opened, lease, leaseUntil (lease fields only while
--                  claimed), ackedBy, ackedAt, escalated (MessagePack
--                  array of receivers; absent while empty)
--   members:<key>  fingerprint -> member record (below)
--   groups:due     <key> scored by the time its flush is due; absent
--                  while nothing is to flush (memory's zero g.due)

-- A member record (incident.Member) is '|'-separated, the alert JSON last:
--   version|reason|flushed|flapping|status|joined|alertJSON
-- Records written before Member.Joined existed have no joined field:
-- their sixth field is the alert JSON itself, which starts with '{'.
-- Reading them as joined 0 (the zero time) keeps a Redis that was
-- upgraded with groups in flight working.
local function decode_member(rec)
  if not rec then return nil end
  local f = fields(rec, 6)
  local joined, alert = 0, f[6]
  if string.sub(alert, 1, 1) ~= '{' then
    local j = fields(alert, 2)
    joined, alert = tonumber(j[1]), j[2]
  end
  return {version = tonumber(f[1]), reason = f[2], flushed = f[3],
    flapping = f[4] == '1', status = f[5], joined = joined, alert = alert}
end

local function encode_member(m)
  return table.concat({int(m.version), m.reason, m.flushed, m.flapping and '1' or '0',
    m.status, int(m.joined), m.alert}, '|')
end

-- A group's tally lets the Now board count its members without reading
-- them (group_summaries.lua): in group:<key>, field resolved counts the
-- members not firing and src:<source> those from each source. join and
-- touch keep it as members come and change, complete_flush as they go.
-- What a script call changes is added up in C.tally and written once per
-- group and field by flush_tallies, which every script that calls join,
-- touch or untally runs before it returns: a storm's batch joins many
-- alerts to few groups.

-- source_of returns an alert's source: alert.Alert's JSON starts with it.
local function source_of(alert)
  return string.match(alert, '^{"source":"([^"]*)"') or ''
end

local function tally_add(gk, field, d)
  C.tally = C.tally or {}
  local t = C.tally[gk] or {}
  C.tally[gk] = t
  t[field] = (t[field] or 0) + d
end

-- tally counts member m, whose status was was (nil if it just joined).
local function tally(gk, was, m)
  if was == nil then tally_add(gk, 'src:' .. source_of(m.alert), 1) end
  local d = (m.status ~= 'firing' and 1 or 0) - ((was or 'firing') ~= 'firing' and 1 or 0)
  if d ~= 0 then tally_add(gk, 'resolved', d) end
end

-- untally forgets member m, which left the group.
local function untally(gk, m)
  tally_add(gk, 'src:' .. source_of(m.alert), -1)
  if m.status ~= 'firing' then tally_add(gk, 'resolved', -1) end
end

-- flush_tallies writes the tallies the call changed; a source no member
-- comes from any more is removed.
local function flush_tallies()
  for gk, t in pairs(C.tally or {}) do
    for field, d in pairs(t) do
      if d ~= 0 and redis.call('HINCRBY', gk, field, d) == 0 and field ~= 'resolved' then
        redis.call('HDEL', gk, field)
      end
    end
  end
  C.tally = nil
end

-- A group's escalated receivers (memory's g.escalated), in the order
-- they were escalated to.
local function unpack_list(s)
  if not s then return {} end
  return cmsgpack.unpack(s)
end

-- The groups an alert joined when it last notified (memory's t.groups)
-- are field "g" of its hash: a MessagePack array of
-- key, wait (ms), interval (ms), GroupRef JSON for each group.
local function pack_groups(groups)
  local flat = {}
  for _, g in ipairs(groups) do
    flat[#flat + 1] = g.key
    flat[#flat + 1] = int(g.wait)
    flat[#flat + 1] = int(g.interval)
    flat[#flat + 1] = g.ref
  end
  return cmsgpack.pack(flat)
end

local function unpack_groups(s)
  local groups = {}
  if not s then return groups end
  local flat = cmsgpack.unpack(s)
  for i = 1, #flat, 4 do
    groups[#groups + 1] = {key = flat[i], wait = tonumber(flat[i + 1]),
      interval = tonumber(flat[i + 2]), ref = flat[i + 3]}
  end
  return groups
end

-- The alert as last notified or flap-suppressed (memory's t.alert) is
-- field "a" of its hash: status|alertJSON.
local function tracked(a, flapping, groups)
  local t = {status = '', alert = '', flapping = flapping, groups = groups}
  if a then
    local f = fields(a, 2)
    t.status, t.alert = f[1], f[2]
  end
  return t
end

local function group_key(key) return C.prefix .. 'group:' .. key end
local function members_key(key) return C.prefix .. 'members:' .. key end

-- memory.Store.join: adds or updates t's alert in each of its groups and
-- schedules the groups: a new group after its group_wait, a known one no
-- sooner than group_interval after its last flush.
--
-- Within one script call, the group's own part (scheduling, its ref,
-- the TTLs) is done by the first join of each group only (C.joined
-- remembers the ref it wrote): once a group has been joined it exists
-- and is due, and nothing in the same call undoes that, so later joins
-- would find both and change nothing but the member. A storm's batch
-- joins many alerts to few groups, and every Redis command a script
-- saves is a few microseconds of the one thread every replica waits on.
local function join(fp, t, reason, now)
  C.joined = C.joined or {}
  for _, ref in ipairs(t.groups) do
    local gk, mk = group_key(ref.key), members_key(ref.key)
    local first = C.joined[ref.key] ~= ref.ref
    if first then
      if redis.call('EXISTS', gk) == 0 then            -- g == nil: due: now.Add(ref.Wait)
        redis.call('ZADD', C.due, int(now + ref.wait), ref.key)
        redis.call('HSET', gk, 'opened', int(now))     -- opened: now
      elseif not redis.call('ZSCORE', C.due, ref.key) then  -- g.due.IsZero()
        local last = tonumber(redis.call('HGET', gk, 'lastFlush') or '0')
        redis.call('ZADD', C.due, int(math.max(now, last + ref.interval)), ref.key)  -- later(now, g.lastFlush.Add(ref.Interval))
      end
      redis.call('HSET', gk, 'ref', ref.ref, 'interval', int(ref.interval))  -- g.ref = ref
    end
    local m = decode_member(redis.call('HGET', mk, fp)) or
      {version = 0, flushed = '', joined = now}      -- m = &incident.Member{Joined: now}
    local was = m.status
    m.alert, m.status, m.reason, m.flapping = t.alert, t.status, reason, t.flapping
    m.version = m.version + 1                        -- m.Version++
    redis.call('HSET', mk, fp, encode_member(m))
    tally(gk, was, m)
    if first then
      expire(gk)
      expire(mk)
      expire(C.due)
      C.joined[ref.key] = ref.ref
    end
  end
end

-- memory.Store.touch: updates t's alert in its groups without scheduling
-- them: the status of a flapping alert is kept current for the flush that
-- settles it, but is not news.
local function touch(fp, t)
  for _, ref in ipairs(t.groups) do
    local gk, mk = group_key(ref.key), members_key(ref.key)
    if redis.call('EXISTS', gk) == 1 then            -- if g := s.groups[ref.Key]; g != nil
      local m = decode_member(redis.call('HGET', mk, fp))
      if m then                                      -- if m := g.members[fp]; m != nil
        local was = m.status
        m.alert, m.status, m.flapping = t.alert, t.status, t.flapping
        m.version = m.version + 1
        redis.call('HSET', mk, fp, encode_member(m))
        tally(gk, was, m)
        expire(gk)
        expire(mk)
      end
    end
  end
end

-- memory's group.snapshot: what a Flush is decoded from (groups.go,
-- decodeFlush): key, GroupRef JSON, seq, lease, leaseUntil, the members
-- hash as a flat fingerprint/record array, opened, escalated receivers.
local function snapshot(key)
  local g = redis.call('HMGET', group_key(key), 'ref', 'seq', 'lease', 'leaseUntil',
    'opened', 'escalated')
  return {key, g[1], tonumber(g[2] or '0'), g[3] or '', tonumber(g[4] or '0'),
    redis.call('HGETALL', members_key(key)), tonumber(g[5] or '0'), unpack_list(g[6])}
end
