-- common.lua: helpers every alertgate script starts with. scripts.go
-- prepends this file (and, where needed, dedup.lua and groups.lua) to
-- each script body, so everything here is a local of one chunk.
--
-- Conventions shared by all scripts:
--   * Times are Unix milliseconds chosen by the caller's clock; 0 stands
--     for Go's zero time.Time. No script reads the server's TIME.
--   * Numbers go through int() before they reach redis.call: Lua 5.1
--     would print large numbers such as 1767603600000 in exponent form.
--   * Keys that are not passed in KEYS are derived from C.prefix
--     ("<prefix>{ag}:"), so they share the Cluster hash slot of KEYS[1].

-- C is the per-call context; each script body fills in what it uses.
local C = {}

local function int(n) return string.format('%d', n) end

-- memo returns f remembering its results for the rest of the call: the
-- values a batch converts or names repeat (its clock readings, zero
-- times, repeat intervals, counts, groups, sources), and each
-- conversion costs Lua a strtod, a sprintf or a new string (which this
-- Redis's Lua hashes whole), many times a table look-up.
local function memo(f)
  local seen = {}
  return function(x)
    local v = seen[x]
    if v == nil then
      v = f(x)
      seen[x] = v
    end
    return v
  end
end

-- number is tonumber(s) for a decimal string s; decimal is int(n) for
-- an integer n.
local number, decimal = memo(tonumber), memo(int)

-- expire refreshes key's TTL to the retention period: every key the
-- store writes has a TTL, so an abandoned prefix disappears by itself.
-- It sets the time the TTL ends (PEXPIREAT), from Redis's own clock read
-- once per call: PEXPIRE, which Redis rewrites into that for replication
-- on every call (the command and a new argument), cost more.
local function expire(key)
  if C.expiresFor ~= C.retention then            -- once per call, not per key
    local t = redis.call('TIME')                  -- seconds, microseconds
    C.expiresFor = C.retention
    C.expiresAt = int(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + C.retention)
  end
  redis.call('PEXPIREAT', key, C.expiresAt)
end

-- fields splits the first n-1 '|'-separated fields off s; field n is the
-- rest, so it may contain '|' (it holds JSON where that matters).
local function fields(s, n)
  local out, pos = {}, 1
  for i = 1, n - 1 do
    local j = string.find(s, '|', pos, true)
    out[i] = string.sub(s, pos, j - 1)
    pos = j + 1
  end
  out[n] = string.sub(s, pos)
  return out
end

-- ensure_outbox creates the outbox stream together with its consumer
-- group. The stream is only ever created here, so an existing stream
-- always has the group, and no BUSYGROUP error is raised on the hot path.
local function ensure_outbox(stream, group)
  if redis.call('EXISTS', stream) == 0 then
    redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
    expire(stream)
  end
end

-- xadd appends one notification to the outbox stream.
local function xadd(stream, payload, attempts, enqueued, last_error)
  return redis.call('XADD', stream, '*', 'payload', payload, 'attempts', attempts,
    'enqueued', enqueued, 'lastError', last_error)
end

-- expire_at_least refreshes key's TTL to the longest of its current TTL,
-- ttl and the retention period: for keys whose content must outlive the
-- retention period (a silence that ends in two months).
local function expire_at_least(key, ttl)
  local cur = redis.call('PTTL', key)
  redis.call('PEXPIRE', key, int(math.max(cur, ttl, C.retention)))
end
