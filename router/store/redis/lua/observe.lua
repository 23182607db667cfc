-- observe.lua: Store.Observe, a whole batch in one call, so replicas
-- that receive the same alert (Alertmanager HA twins) serialize on Redis
-- and exactly one of them is told to notify.
--
-- The batch may hold the observations of several Observe calls (group
-- commit: see batch.go), each with its own clock reading, as segments
-- decided one after the other.
--
-- KEYS[1]    groups:due       KEYS[2]  flapping
-- ARGV[1]    key prefix ("<prefix>{ag}:")
-- ARGV[2]    retention
-- ARGV[3..8] flap policy: transitions, window, quiet, long transitions,
--            long window, resolve hold
-- ARGV[9]    r, the number of groups the batch's observations name, and
--            for each: key, wait, interval, GroupRef JSON (so a group
--            that a hundred alerts of a request join is sent once)
-- then segments: now, the number of observations, and per observation
-- 3 + n + m values:
--   fingerprint; its head, packed '<BdddHH' (observe.go,
--   appendObservationHead): status (1 firing, 2 resolved), startsAt,
--   endsAt, repeatInterval, n, m; alert (its binary encoding); the
--   indices (from 1) of its n groups; and its m inhibition keys
-- Returns action, reason, suppressed for each observation, in order.

C.prefix, C.due, C.flapping = ARGV[1], KEYS[1], KEYS[2]
C.retention = tonumber(ARGV[2])
C.flap = {transitions = tonumber(ARGV[3]), window = tonumber(ARGV[4]), quiet = tonumber(ARGV[5]),
  longTransitions = tonumber(ARGV[6]), longWindow = tonumber(ARGV[7]), hold = tonumber(ARGV[8])}
local now

local refs = {}
local i = 10
for r = 1, tonumber(ARGV[9]) do
  refs[r] = {key = ARGV[i], wait = tonumber(ARGV[i + 1]), interval = tonumber(ARGV[i + 2]), ref = ARGV[i + 3]}
  i = i + 4
end

-- packed memoizes pack_groups by the groups' indices: the alerts of a
-- request share their groups.
local packed = {}

local none = {}

-- single is the list of one group, by its index: the alerts of a
-- request share it (nothing changes a list of groups once made).
local single = memo(function(idx) return {refs[number(idx)]} end)

-- read_observation decodes the observation at ARGV[i] and returns it
-- with the index of the next one.
local function read_observation(i)
  local status, startsAt, endsAt, rep, n, m = struct.unpack('<BdddHH', ARGV[i + 1])
  local o = {fp = ARGV[i], status = code_status[status], startsAt = startsAt, endsAt = endsAt,
    rep = rep, alert = ARGV[i + 2], groups = none, gid = '', inhibits = none,
    now = 0, flapping = false}                    -- every field it gets: made at its size
  i = i + 3
  if n == 1 then
    o.gid = ARGV[i]
    o.groups = single(o.gid)
  else
    o.gid = table.concat(ARGV, ',', i, i + n - 1)
    o.groups = {}
    for g = 1, n do
      o.groups[g] = refs[number(ARGV[i + g - 1])]
    end
  end
  i = i + n
  if m > 0 then
    o.inhibits = {unpack(ARGV, i, i + m - 1)}
  end
  return o, i + m
end

local function groups_of(o)
  local p = packed[o.gid]
  if not p then
    p = pack_groups(o.groups)
    packed[o.gid] = p
  end
  return p
end

-- memory.Store.holdInhibits: a firing alert holds its inhibition keys,
-- a resolved one releases them (Redis deletes a set that becomes empty,
-- as memory deletes the empty map).
local function hold_inhibits(o)
  for j = 1, #o.inhibits do
    local k = o.inhibits[j]
    local key = C.prefix .. 'inhibit:' .. k
    if o.status == 'firing' then
      redis.call('SADD', key, o.fp)
      expire(key)
    else
      redis.call('SREM', key, o.fp)
    end
  end
end

-- memory.Store.observe; returns the verdict's action, reason, suppressed
-- count and the time its groups were scheduled for (Unix ms, 0: none).
local function observe(o)
  C.scheduled = nil
  local key = C.prefix .. 'alert:' .. o.fp
  local raw = redis.call('HGET', key, 's')
  if not raw and o.status == 'firing' then
    -- What the general path below does for a firing alert never seen:
    -- decide notifies it as new, nothing holds it, and it joins its
    -- groups.
    hold_inhibits(o)
    redis.call('HSET', key, 's', first_firing_state(o.startsAt, now), 'g', groups_of(o))
    join(o.fp, o, 'new', now)                      -- o has what join reads: status, alert, flapping, groups
    expire(key)
    return 'notify', 'new', 0, C.scheduled or 0
  end
  local st = decode_state(raw)
  local v = decide(st, o, o.rep, now)              -- dedup.Decide(&t.state, a, ...)
  if v.reason ~= 'stale' then                      -- a late twin of a resolved alert holds nothing
    hold_inhibits(o)
  end
  if st.flapping or st.held then                   -- if t.state.Pending(): s.flapping[a.Fingerprint] = struct{}{}
    redis.call('ZADD', C.flapping, int(st.settleAt), o.fp)
    expire(C.flapping)
  end
  -- The state and what goes with it are written in one HSET.
  o.flapping = st.flapping
  if v.reason == 'flapping' then
    redis.call('HSET', key, 's', encode_state(st), 'a', o.status .. '|' .. o.alert,
      'g', groups_of(o))                           -- t.state, t.alert, t.groups
    join(o.fp, o, v.reason, now)
  elseif v.action == 'notify' then
    redis.call('HSET', key, 's', encode_state(st), 'g', groups_of(o))  -- t.state, t.groups
    join(o.fp, o, v.reason, now)
  elseif v.reason == 'flap-suppressed' then
    redis.call('HSET', key, 's', encode_state(st), 'a', o.status .. '|' .. o.alert)  -- t.alert = a.Clone()
    touch(o.fp, tracked(o.status, o.alert, o.flapping,
      unpack_groups(redis.call('HGET', key, 'g'))))
  elseif v.reason == 'resolve-held' then
    redis.call('HSET', key, 's', encode_state(st), 'a', o.status .. '|' .. o.alert)  -- t.alert = a.Clone(), for Settle
  else
    redis.call('HSET', key, 's', encode_state(st))
  end
  expire(key)
  return v.action, v.reason, v.suppressed, C.scheduled or 0  -- v.Scheduled (Unix ms)
end

-- The whole batch is read first, so that each group's members that the
-- batch may join are read together (C.wanted, groups.lua).
local batch, nbatch = {}, 0
while i <= #ARGV do
  local at = number(ARGV[i])
  local n = number(ARGV[i + 1])
  i = i + 2
  for _ = 1, n do
    local o
    o, i = read_observation(i)
    o.now = at
    nbatch = nbatch + 1
    batch[nbatch] = o
    for g = 1, #o.groups do
      local ref = o.groups[g]
      local w = C.wanted[ref.key]
      if not w then
        w = {}
        C.wanted[ref.key] = w
      end
      w[#w + 1] = o.fp
    end
  end
end

local out = {}
for j = 1, nbatch do
  local o = batch[j]
  now = o.now
  out[4 * j - 3], out[4 * j - 2], out[4 * j - 1], out[4 * j] = observe(o)
end
write_members()
flush_tallies()
return out
