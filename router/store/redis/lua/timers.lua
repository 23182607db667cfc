-- timers.lua: escalation timers (store.Timer), the Lua mirror of
-- memory's timers map (router/store/memory/state.go).
--
-- C.prefix, C.timers (the timers:due sorted set) and C.retention must
-- be set.
--
-- A timer is one entry of each of
--   timers:due      <group> NUL <receiver>, scored by when it fires
--   timer:<group>   receiver -> lease|leaseUntil ('|0' while unclaimed)
-- The sorted set's member is memory's timerKey, so timers due at the
-- same time are claimed in the same order; the per-group hash is what
-- lets CancelTimers find a group's timers.

local function timer_key(group) return C.prefix .. 'timer:' .. group end
local function timer_member(group, receiver) return group .. '\0' .. receiver end

-- split_timer is the inverse of timer_member.
local function split_timer(member)
  local i = string.find(member, '\0', 1, true)
  return string.sub(member, 1, i - 1), string.sub(member, i + 1)
end

local function decode_timer(rec)
  if not rec then return nil end
  local f = fields(rec, 2)
  return {lease = f[1], leaseUntil = tonumber(f[2])}
end

local function encode_timer(t) return t.lease .. '|' .. int(t.leaseUntil) end

-- memory.Store.cancelTimers: removes every timer of a group.
local function cancel_timers(group)
  local tk = timer_key(group)
  for _, receiver in ipairs(redis.call('HKEYS', tk)) do
    redis.call('ZREM', C.timers, timer_member(group, receiver))
  end
  redis.call('DEL', tk)
end
