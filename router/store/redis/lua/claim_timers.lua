-- claim_timers.lua: Store.ClaimTimers, the Lua mirror of
-- memory.Store.ClaimTimers, leasing timers exactly as claim_groups.lua
-- leases groups: up to limit due timers that are not leased (or whose
-- lease expired), earliest first, ties broken by group and receiver
-- (the sorted set's own order, memory's timerKey order). Only one
-- replica can lease a timer: the script runs atomically.
--
-- KEYS[1]    timers:due
-- ARGV[1]    key prefix
-- ARGV[2..6] now, limit, lease TTL, lease token, retention
-- Returns group, receiver, at, lease for each claimed timer.

C.prefix, C.timers = ARGV[1], KEYS[1]
C.retention = tonumber(ARGV[6])
local now, limit, ttl, token = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]

local out, stale, offset = {}, {}, 0
while #out < limit do
  -- Leased timers stay in timers:due until completed, as memory keeps
  -- them in its map, so page through the due ones until limit are claimed.
  local due = redis.call('ZRANGEBYSCORE', C.timers, '-inf', int(now), 'WITHSCORES',
    'LIMIT', offset, 100)
  if #due == 0 then break end
  offset = offset + #due / 2
  for i = 1, #due, 2 do
    if #out == limit then break end
    local group, receiver = split_timer(due[i])
    local tk = timer_key(group)
    local t = decode_timer(redis.call('HGET', tk, receiver))
    if not t then
      stale[#stale + 1] = due[i]                   -- the group's timer hash expired
    elseif t.lease == '' or now >= t.leaseUntil then  -- t.Lease == "" || !now.Before(t.leaseUntil)
      t.lease = token .. '.' .. (#out + 1)          -- unique per claim across replicas
      t.leaseUntil = now + ttl
      redis.call('HSET', tk, receiver, encode_timer(t))
      expire(tk)
      out[#out + 1] = {group, receiver, tonumber(due[i + 1]), t.lease}
    end
  end
end
for _, m in ipairs(stale) do redis.call('ZREM', C.timers, m) end
return out
