-- group_summaries.lua: Store.GroupSummaries for the groups of one
-- partition, the Lua mirror of memory.Store.GroupSummaries: each group's
-- counts from its tally (groups.lua), without reading its members.
--
-- KEYS[1] groups:due (of the partition: it routes the call to the slot)
-- ARGV[1] key prefix, then per group: its key, and 1 to have its first
-- member's record (an incident without a title shows its summary) or 0.
-- Returns per group an empty array if it is unknown, or: opened, the
-- number of members, of members not firing, the sources as a flat
-- source/count array, the escalated receivers, and the record of the
-- member whose fingerprint sorts first ('' unless asked for), 1 if the
-- tally was recounted (below), else 0, and that member's alert (bodies,
-- '' unless asked for or when its record still carries it).
--
-- A group whose tally does not add up (its members hash expired before
-- the group's, or the group was formed before tallies existed) is
-- counted from its members, and its tally rewritten.

C.prefix = ARGV[1]

-- before reports whether a sorts before b byte by byte, as Go compares
-- strings: Lua's < follows the server's locale.
local function before(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- recount rewrites the tally of a group (its hash fields g) from its
-- members and returns it.
local function recount(gk, mk, g)
  for f in pairs(g) do
    if f == 'resolved' or string.sub(f, 1, 4) == 'src:' then redis.call('HDEL', gk, f) end
  end
  local resolved, sources = 0, {}
  for _, rec in ipairs(redis.call('HVALS', mk)) do
    local m = decode_member(rec)
    if m.status ~= 'firing' then resolved = resolved + 1 end
    sources[m.source] = (sources[m.source] or 0) + 1
  end
  redis.call('HSET', gk, 'resolved', resolved)
  for src, n in pairs(sources) do redis.call('HSET', gk, 'src:' .. src, n) end
  return resolved, sources
end

-- summary reads one group's tally, recounting it if it does not add up.
local function summary(key, first)
  local gk, mk = group_key(key), members_key(key)
  local h = redis.call('HGETALL', gk)
  if #h == 0 then return {} end                    -- g == nil
  local g, sources, sum = {}, {}, 0
  for i = 1, #h, 2 do
    g[h[i]] = h[i + 1]
    if string.sub(h[i], 1, 4) == 'src:' then
      local n = tonumber(h[i + 1])
      sources[string.sub(h[i], 5)], sum = n, sum + n
    end
  end
  local members, resolved, recounted = redis.call('HLEN', mk), tonumber(g.resolved or '0'), 0
  if sum ~= members or resolved < 0 or resolved > members then
    resolved, sources = recount(gk, mk, g)
    recounted = 1
  end
  local flat = {}
  for src, n in pairs(sources) do
    if n > 0 then
      flat[#flat + 1] = src
      flat[#flat + 1] = n
    end
  end
  local rec, body = '', ''
  if first and members > 0 then
    local min
    for _, fp in ipairs(redis.call('HKEYS', mk)) do
      if not min or before(fp, min) then min = fp end
    end
    rec = redis.call('HGET', mk, min)
    body = redis.call('HGET', bodies_key(key), min) or ''
  end
  return {tonumber(g.opened or '0'), members, resolved, flat, unpack_list(g.escalated), rec, recounted, body}
end

local out = {}
for i = 2, #ARGV, 2 do
  out[#out + 1] = summary(ARGV[i], ARGV[i + 1] == '1')
end
return out
