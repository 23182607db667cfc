-- claim_groups.lua: Store.ClaimGroups, the Lua mirror of
-- memory.Store.ClaimGroups. It leases up to limit groups whose flush is
-- due and that are not leased (or whose lease expired), earliest due
-- first, ties broken by key (the sorted set's own order), and returns a
-- snapshot of each. Only one replica can lease a group: the script runs
-- atomically.
--
-- KEYS[1]    groups:due
-- ARGV[1]    key prefix
-- ARGV[2..7] now, limit, lease TTL, lease token, retention, member budget
-- Returns, for each claimed group, its snapshot but the members
-- (groups.lua), which the caller reads next.
--
-- Unlike memory's, a claim stops early once the groups it took hold the
-- member budget (always taking at least one): Redis serves nobody else
-- while the script runs and while it writes the reply, so the first flush
-- of a storm's large groups must come in slices, not all at once.

C.prefix, C.due = ARGV[1], KEYS[1]
C.retention = tonumber(ARGV[6])
local now, limit, ttl, token = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local budget = tonumber(ARGV[7])

-- lease claims one group: g.seq++, g.lease, g.leaseUntil, g.snapshot().
local function lease(key, n)
  local gk = group_key(key)
  redis.call('HINCRBY', gk, 'seq', 1)
  local id = token .. '.' .. n                    -- unique per claim across replicas
  redis.call('HSET', gk, 'lease', id, 'leaseUntil', int(now + ttl))
  expire(gk)
  expire(members_key(key))
  expire(bodies_key(key))
  return snapshot(key)
end

local out, stale, offset, members = {}, {}, 0, 0
while #out < limit and members < budget do
  -- Leased groups stay in groups:due (memory keeps g.due while leased),
  -- so page through the due ones until limit are claimed.
  local due = redis.call('ZRANGEBYSCORE', C.due, '-inf', int(now), 'LIMIT', offset, 100)
  if #due == 0 then break end
  offset = offset + #due
  for _, key in ipairs(due) do
    if #out == limit or members >= budget then break end
    local g = redis.call('HMGET', group_key(key), 'ref', 'lease', 'leaseUntil')
    if not g[1] then
      stale[#stale + 1] = key                     -- the group's hash expired
    elseif not g[2] or now >= tonumber(g[3]) then -- g.lease == "" || !now.Before(g.leaseUntil)
      local size = redis.call('HLEN', members_key(key))
      if #out > 0 and members + size > budget then break end
      members = members + size
      out[#out + 1] = lease(key, #out + 1)
    end
  end
end
for _, key in ipairs(stale) do redis.call('ZREM', C.due, key) end
return out
