-- correlate.lua: Store.Correlate, the Lua mirror of
-- memory.Store.Correlate: places every alert of a batch in its service's
-- incident, in order, atomically across replicas.
--
-- KEYS[1]    corrsvc:<the first request's service> (for the slot only;
--            every key is derived from the prefix)
-- ARGV[1..3] key prefix, retention, pointer refresh period
-- then segments, one per Correlate call of the batch (group commit: see
-- batch.go), decided one after the other: now, window, cooldown, max
-- members, max age (0: none), the number of requests, and per request:
-- fingerprint, firing (1/0), service, the key a new incident would get
-- (store.CorrelatedKey, computed in Go: it hashes with SHA-256), the
-- number of dependents, the dependents.
-- Returns key, service, outcome per request; the Go code turns the
-- outcome into the store.Join* reason, so the wording lives in Go only.

C.prefix, C.retention = ARGV[1], tonumber(ARGV[2])
local refresh_every = tonumber(ARGV[3])
local now, window, cooldown, max_members, max_age

-- aged reports whether an open incident is too old to take new alerts.
local function aged(inc) return max_age > 0 and now - inc.opened >= max_age end

local function service_key(service) return C.prefix .. 'corrsvc:' .. service end
local function incident_key(key) return C.prefix .. 'corr:' .. key end
local function members_key(key) return C.prefix .. 'corrmembers:' .. key end
local function fp_key(fp) return C.prefix .. 'corrfp:' .. fp end

-- load reads the incident named key: nil for no key or an expired one.
local function load(key)
  if not key then return nil end
  local h = redis.call('HMGET', incident_key(key), 'service', 'lastJoin', 'resolvedAt', 'members', 'opened')
  if not h[1] then return nil end
  return {key = key, service = h[1], lastJoin = tonumber(h[2]), resolvedAt = tonumber(h[3]),
    members = tonumber(h[4]), opened = tonumber(h[5]) or 0}
end

-- joined lists the incidents that gained a member in the current
-- segment, once each, in order.
local joined, is_joined = {}, {}

local function join(inc, fp, outcome)
  local ik, mk = incident_key(inc.key), members_key(inc.key)
  if redis.call('SADD', mk, fp) == 1 then         -- inc.members[fp] = struct{}{}
    redis.call('HINCRBY', ik, 'members', 1)
  end
  redis.call('HSET', ik, 'lastJoin', int(now))    -- inc.lastJoin = now
  expire(ik)
  expire(mk)
  redis.call('SET', fp_key(fp), inc.key, 'PX', int(C.retention + refresh_every))  -- s.corrByFP[fp] = inc
  if not is_joined[inc.key] then
    is_joined[inc.key] = true
    joined[#joined + 1] = inc
  end
  return {inc.key, inc.service, outcome}
end

-- leave removes a resolved member; the incident resolves with its last.
-- Its pointer goes too: memory keeps it until gc, but a non-member's
-- pointer decides nothing.
local function leave(inc, fp)
  local ik, mk = incident_key(inc.key), members_key(inc.key)
  if redis.call('SREM', mk, fp) == 1 and redis.call('HINCRBY', ik, 'members', -1) == 0 then
    redis.call('HSET', ik, 'resolvedAt', int(now))  -- inc.resolvedAt = now
  end
  redis.call('DEL', fp_key(fp))
  expire(ik)
  expire(mk)
end

-- open starts an incident of service and makes it the service's current.
-- A key is a function of (service, now, first member), so within one
-- call an alert may get the key of an incident it left; that one starts
-- empty again, as memory's new incident does.
local function open(key, service)
  local ik = incident_key(key)
  redis.call('DEL', members_key(key))
  redis.call('HSET', ik, 'service', service, 'opened', int(now), 'lastJoin', int(now),
    'resolvedAt', '0', 'members', '0')
  expire(ik)
  redis.call('SET', service_key(service), key, 'PX', int(C.retention))  -- s.corrByService[r.Service] = inc
  return {key = key, service = service}
end

local function joinable_dependency(deps)
  for _, dep in ipairs(deps) do
    local d = load(redis.call('GET', service_key(dep)))
    if d and d.resolvedAt == 0 and now - d.lastJoin <= window and d.members < max_members and not aged(d) then
      return d
    end
  end
  return nil
end

local function correlate(fp, firing, service, new_key, deps)
  local inc = load(redis.call('GET', fp_key(fp)))
  if inc and redis.call('SISMEMBER', members_key(inc.key), fp) == 1 then
    if not firing then leave(inc, fp) end
    return {inc.key, inc.service, 'member'}
  end
  local cur = load(redis.call('GET', service_key(service)))
  if not firing then
    if cur then return {cur.key, cur.service, 'same'} end
    return {new_key, service, 'new'}
  end
  local outcome = 'new'
  if cur and cur.members >= max_members then
    outcome = 'overflow'
  elseif cur and cur.resolvedAt == 0 and aged(cur) then
    outcome = 'aged'
  elseif cur and cur.resolvedAt == 0 then
    return join(cur, fp, 'same')
  elseif cur and now - cur.resolvedAt <= cooldown then
    redis.call('HSET', incident_key(cur.key), 'resolvedAt', '0')  -- cur.resolvedAt = time.Time{}
    return join(cur, fp, 'reopened')
  end
  local d = joinable_dependency(deps)
  if d then return join(d, fp, 'dependency') end
  return join(open(new_key, service), fp, outcome)
end

-- refresh keeps the pointers to every incident that gained a member for
-- at least the retention period from now: memory's gc drops a service's
-- and a member's pointer once the incident's last join (not the member's
-- own) is older than the retention period. Refreshing every member's
-- pointer on every join would cost a storm O(members) per alert, so a
-- member's pointer lives retention + refresh_every, and an incident's
-- members are refreshed once per refresh_every (field refreshed): every
-- join then finds its incident's pointers alive for at least the
-- retention period. A pointer that outlives its incident decides
-- nothing, as load() finds no incident behind it.
local function refresh()
  for _, inc in ipairs(joined) do
    local ik = incident_key(inc.key)
    local last = tonumber(redis.call('HGET', ik, 'refreshed') or '0')
    if now - last >= refresh_every then
      for _, fp in ipairs(redis.call('SMEMBERS', members_key(inc.key))) do
        redis.call('PEXPIRE', fp_key(fp), int(C.retention + refresh_every))
      end
      redis.call('HSET', ik, 'refreshed', int(now))
    end
    if redis.call('GET', service_key(inc.service)) == inc.key then
      expire(service_key(inc.service))
    end
  end
end

local out, i = {}, 4
while i <= #ARGV do
  now, window, cooldown, max_members, max_age = tonumber(ARGV[i]), tonumber(ARGV[i + 1]),
    tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local n = tonumber(ARGV[i + 5])
  i = i + 6
  joined, is_joined = {}, {}
  for _ = 1, n do
    local fp, firing, service, new_key = ARGV[i], ARGV[i + 1] == '1', ARGV[i + 2], ARGV[i + 3]
    local m = tonumber(ARGV[i + 4])
    local deps = {}
    for j = 1, m do deps[j] = ARGV[i + 4 + j] end
    i = i + 5 + m
    local c = correlate(fp, firing, service, new_key, deps)
    out[#out + 1] = c[1]
    out[#out + 1] = c[2]
    out[#out + 1] = c[3]
  end
  refresh()
end
return out
