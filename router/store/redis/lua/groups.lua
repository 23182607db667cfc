-- groups.lua: notification groups, the Lua mirror of memory.Store.join
-- and memory.Store.touch (router/store/memory/group.go).
--
-- C.prefix, C.due (the groups:due sorted set) and C.retention must be set.
--
-- A group is three hashes and one entry of groups:due:
--   group:<key>    ref (GroupRef JSON), interval (ms), seq, lastFlush,
--                  opened, lease, leaseUntil (lease fields only while
--                  claimed), ackedBy, ackedAt, escalated (MessagePack
--                  array of receivers; absent while empty)
--   members:<key>  fingerprint -> member record (below)
--   bodies:<key>   fingerprint -> the member's alert, as the observation
--                  carried it (alert.Alert's binary encoding)
--   groups:due     <key> scored by the time its flush is due; absent
--                  while nothing is to flush (memory's zero g.due)
--
-- A member's alert is written straight from the script's arguments and
-- never read by a script: Redis's Lua hashes every byte of every string
-- it makes, so the kilobyte or two of an alert costs each script that
-- touches it as much as all the rest of its work. A flush reads the
-- bodies with the member records, outside any script (groups.go).

-- A member record (incident.Member but its alert) is '|'-separated:
--   version|reason|flushed|flapping|status|joined|source
-- source is the member's alert's (the Now board's tally counts members
-- by source without reading their alerts). Records of earlier versions
-- carry the member's alert JSON as a last field instead of the source,
-- after joined or (before Member.Joined existed) instead of it: it
-- starts with '{'. decode_member returns that JSON as m.alert (joined 0,
-- the zero time, when missing), and whoever rewrites such a record
-- moves it to bodies (join and touch write the new alert there,
-- complete_flush the old one), so a Redis that was upgraded with groups
-- in flight keeps working.
local function decode_member(rec)
  if not rec then return nil end
  local f, pos = {}, 1
  for i = 1, 5 do
    local j = string.find(rec, '|', pos, true)
    f[i] = string.sub(rec, pos, j - 1)
    pos = j + 1
  end
  local m = {version = tonumber(f[1]), reason = f[2], flushed = f[3],
    flapping = f[4] == '1', status = f[5], joined = 0, source = ''}
  if string.byte(rec, pos) == 123 then             -- '{'
    m.alert = string.sub(rec, pos)
  else
    local j = string.find(rec, '|', pos, true)
    if not j then
      m.joined = tonumber(string.sub(rec, pos))
    elseif string.byte(rec, j + 1) == 123 then
      m.joined, m.alert = tonumber(string.sub(rec, pos, j - 1)), string.sub(rec, j + 1)
    else
      m.joined, m.source = tonumber(string.sub(rec, pos, j - 1)), string.sub(rec, j + 1)
    end
  end
  if m.alert then
    m.source = string.match(m.alert, '^{"source":"([^"]*)"') or ''
  end
  return m
end

local function encode_member(m)
  return decimal(m.version) .. '|' .. m.reason .. '|' .. m.flushed .. '|' ..
    (m.flapping and '1' or '0') .. '|' .. m.status .. '|' .. decimal(m.joined) .. '|' .. m.source
end

-- source_of returns the source of an alert as an observation carries
-- it: alert.Alert's binary encoding, a version byte and then the source
-- as a uvarint length and its bytes; or, from earlier versions, JSON,
-- which starts with the source.
local function source_of(a)
  local b, n = string.byte(a, 1, 2)
  if b == 123 then                                 -- '{'
    return string.match(a, '^{"source":"([^"]*)"') or ''
  end
  if n and n < 128 then                            -- a length of one byte, as any source's
    return string.sub(a, 3, 2 + n)
  end
  local shift, pos = 0, 2
  n = 0
  repeat
    b = string.byte(a, pos) or 0
    n, shift, pos = n + (b % 128) * 2 ^ shift, shift + 7, pos + 1
  until b < 128
  return string.sub(a, pos, pos + n - 1)
end

-- A group's tally lets the Now board count its members without reading
-- them (group_summaries.lua): in group:<key>, field resolved counts the
-- members not firing and src:<source> those from each source. join and
-- touch keep it as members come and change, complete_flush as they go.
-- What a script call changes is added up in C.tally and written once per
-- group and field by flush_tallies, which every script that calls join,
-- touch or untally runs before it returns: a storm's batch joins many
-- alerts to few groups.
C.tally = {}

local function tally_add(gk, field, d)
  local t = C.tally[gk]
  if not t then
    t = {}
    C.tally[gk] = t
  end
  t[field] = (t[field] or 0) + d
end

-- src_field is the tally's field for source.
local src_field = memo(function(source) return 'src:' .. source end)

-- tally_joined counts a member that just joined.
local function tally_joined(gk, source, status)
  tally_add(gk, src_field(source), 1)
  if status ~= 'firing' then tally_add(gk, 'resolved', 1) end
end

-- tally counts member m, whose status was was (nil if it just joined).
local function tally(gk, was, m)
  if was == nil then return tally_joined(gk, m.source, m.status) end
  local d = (m.status ~= 'firing' and 1 or 0) - (was ~= 'firing' and 1 or 0)
  if d ~= 0 then tally_add(gk, 'resolved', d) end
end

-- untally forgets member m, which left the group.
local function untally(gk, m)
  tally_add(gk, src_field(m.source), -1)
  if m.status ~= 'firing' then tally_add(gk, 'resolved', -1) end
end

-- flush_tallies writes the tallies the call changed; a source no member
-- comes from any more is removed.
local function flush_tallies()
  for gk, t in pairs(C.tally) do
    for field, d in pairs(t) do
      if d ~= 0 and redis.call('HINCRBY', gk, field, d) == 0 and field ~= 'resolved' then
        redis.call('HDEL', gk, field)
      end
    end
  end
  C.tally = {}
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

-- The alert as it entered flapping or a held resolve, or as last
-- flap-suppressed (memory's t.alert, as Settle reads it), is field "a"
-- of its hash: status|alert. Settle only ever reads it for an alert in
-- one of those states, and each writes it on the way in, so the plain
-- notifications (new, repeat, resolved) do not write it.
local function unpack_tracked(a)
  if not a then return '', '' end
  local f = fields(a, 2)
  return f[1], f[2]
end

-- tracked is what join and touch need of an alert: its status and
-- encoding, whether it flaps, its groups. (observe.lua passes its
-- observation, which has these fields, rather than make one per alert.)
local function tracked(status, alert, flapping, groups)
  return {status = status, alert = alert, flapping = flapping, groups = groups}
end

-- group_key is made once per call and group: join and touch ask for it
-- per alert.
local group_key = memo(function(key) return C.prefix .. 'group:' .. key end)
local function members_key(key) return C.prefix .. 'members:' .. key end
local function bodies_key(key) return C.prefix .. 'bodies:' .. key end

-- Within one script call, member records are read once and written
-- once per group: C.members[key] holds the records read (false: none),
-- C.dirty[key] those changed and C.bodies[key] the alerts to store, and
-- write_members writes them, one HSET per hash, when the call is done.
-- A storm's batch joins many alerts to few groups, and every Redis
-- command a script saves is a few microseconds of the one thread every
-- replica waits on. C.wanted[key], if set, lists the fingerprints the
-- call may look up in a group: the first look-up reads them all (one
-- HMGET), not only the one asked for.
C.members, C.dirty, C.bodies, C.wanted = {}, {}, {}, {}

-- call_chunked runs cmd on key with args in chunks small enough for
-- unpack, each chunk a whole number of steps (field/value pairs: 2).
local function call_chunked(cmd, key, args, step)
  local size = 1000 * step
  local out = {}
  for i = 1, #args, size do
    local r = redis.call(cmd, key, unpack(args, i, math.min(i + size - 1, #args)))
    if type(r) == 'table' then
      for _, v in ipairs(r) do out[#out + 1] = v end
    end
  end
  return out
end

-- member returns the record of fp in group key, or nil. The cache holds
-- decoded records, false for none, or the encoded record join made for
-- a new member, decoded here if the call comes back to it.
local function member(key, fp)
  local cache = C.members[key]
  if not cache then
    cache = {}
    C.members[key] = cache
  end
  local c = cache[fp]
  if type(c) == 'string' then                      -- made by join for a new member
    c = decode_member(c)
    cache[fp] = c
    return c
  end
  if c == nil then
    local fps = C.wanted[key]
    C.wanted[key] = nil
    if not fps then fps = {fp} end
    local recs = call_chunked('HMGET', members_key(key), fps, 1)
    for i, f in ipairs(fps) do
      if cache[f] == nil then cache[f] = decode_member(recs[i]) or false end
    end
    if cache[fp] == nil then
      cache[fp] = decode_member(redis.call('HGET', members_key(key), fp)) or false
    end
  end
  return cache[fp] or nil
end

-- set_member records m as fp's record in group key, with its alert; m
-- is a record or, for a new member, its encoding.
local function set_member(key, fp, m, alert)
  C.members[key][fp] = m
  C.dirty[key] = C.dirty[key] or {}
  C.dirty[key][fp] = true
  C.bodies[key] = C.bodies[key] or {}
  C.bodies[key][fp] = alert
end

-- write_members writes the records and alerts the call changed, and
-- refreshes their hashes' TTLs. Every script that joins or touches ends
-- with it.
local function write_members()
  for key, fps in pairs(C.dirty) do
    local recs, bodies, n = {}, {}, 0
    local ms, bs = C.members[key], C.bodies[key]
    for fp in pairs(fps) do
      local m = ms[fp]
      if type(m) ~= 'string' then m = encode_member(m) end
      recs[n + 1], recs[n + 2] = fp, m
      bodies[n + 1], bodies[n + 2] = fp, bs[fp]
      n = n + 2
    end
    local mk, bk = members_key(key), bodies_key(key)
    call_chunked('HSET', mk, recs, 2)
    call_chunked('HSET', bk, bodies, 2)
    expire(mk)
    expire(bk)
  end
  C.members, C.dirty, C.bodies, C.wanted = {}, {}, {}, {}
end

-- memory.Store.join: adds or updates t's alert in each of its groups and
-- schedules the groups: a new group after its group_wait, a known one no
-- sooner than group_interval after its last flush. The earliest time it
-- schedules is kept in C.scheduled (the caller resets it).
--
-- Within one script call, the group's own part (scheduling, its ref,
-- the TTLs) is done by the first join of each group only (C.joined
-- remembers the ref it wrote): once a group has been joined it exists
-- and is due, and nothing in the same call undoes that, so later joins
-- would find both and change nothing but the member.
local function join(fp, t, reason, now)
  C.joined = C.joined or {}
  for j = 1, #t.groups do
    local ref = t.groups[j]
    local gk = group_key(ref.key)
    local first = C.joined[ref.key] ~= ref.ref
    if first then
      -- Every group has a ref from the call that made it, so one read
      -- says whether it exists, whether its ref changed (the JSON holds
      -- the interval too), and when it last flushed.
      local due
      local g = redis.call('HMGET', gk, 'ref', 'lastFlush')
      if not g[1] then                                 -- g == nil: due: now.Add(ref.Wait)
        due = now + ref.wait
        redis.call('HSET', gk, 'opened', decimal(now), 'ref', ref.ref,
          'interval', decimal(ref.interval))           -- opened: now; g.ref = ref
      else
        if not redis.call('ZSCORE', C.due, ref.key) then  -- g.due.IsZero()
          due = math.max(now, tonumber(g[2] or '0') + ref.interval)  -- later(now, g.lastFlush.Add(ref.Interval))
        end
        if g[1] ~= ref.ref then
          redis.call('HSET', gk, 'ref', ref.ref, 'interval', decimal(ref.interval))  -- g.ref = ref
        end
      end
      if due then
        redis.call('ZADD', C.due, int(due), ref.key)
        if not C.scheduled or due < C.scheduled then C.scheduled = due end  -- scheduled = earlier(scheduled, g.due)
      end
    end
    local m = member(ref.key, fp)
    if not m then
      -- A new member (m = &incident.Member{Joined: now}, version 1) is
      -- only ever written, unless the same call comes back to it
      -- (member decodes it then): its record is made at once.
      -- encode_member of {version = 1, reason, flushed = '', flapping,
      -- status, joined = now, source}, written out: a call and two
      -- conversions less per alert of a storm.
      local source = source_of(t.alert)
      set_member(ref.key, fp, '1|' .. reason .. '||' .. (t.flapping and '1' or '0') .. '|' ..
        t.status .. '|' .. decimal(now) .. '|' .. source, t.alert)
      tally_joined(gk, source, t.status)
    else
      local was = m.status
      m.alert, m.status, m.reason, m.flapping = nil, t.status, reason, t.flapping
      m.version = m.version + 1                      -- m.Version++
      set_member(ref.key, fp, m, t.alert)            -- m.Alert = t.alert
      tally(gk, was, m)
    end
    if first then
      expire(gk)
      if not C.dueExpires then                       -- once per call
        expire(C.due)
        C.dueExpires = true
      end
      C.joined[ref.key] = ref.ref
    end
  end
end

-- memory.Store.touch: updates t's alert in its groups without scheduling
-- them: the status of a flapping alert is kept current for the flush that
-- settles it, but is not news.
local function touch(fp, t)
  for _, ref in ipairs(t.groups) do
    local gk = group_key(ref.key)
    if redis.call('EXISTS', gk) == 1 then            -- if g := s.groups[ref.Key]; g != nil
      local m = member(ref.key, fp)
      if m then                                      -- if m := g.members[fp]; m != nil
        local was = m.status
        m.alert, m.status, m.flapping = nil, t.status, t.flapping
        m.version = m.version + 1
        set_member(ref.key, fp, m, t.alert)
        tally(gk, was, m)
        expire(gk)
      end
    end
  end
end

-- memory's group.snapshot but the members, which a flush reads apart
-- (groups.go, decodeFlush): key, GroupRef JSON, seq, lease, leaseUntil,
-- opened, escalated receivers.
local function snapshot(key)
  local g = redis.call('HMGET', group_key(key), 'ref', 'seq', 'lease', 'leaseUntil',
    'opened', 'escalated')
  return {key, g[1], tonumber(g[2] or '0'), g[3] or '', tonumber(g[4] or '0'),
    tonumber(g[5] or '0'), unpack_list(g[6])}
end
