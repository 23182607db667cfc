-- list_incidents.lua: Store.Incidents, the Lua mirror of
-- memory.Store.Incidents: forgets incidents opened longer than the
-- retention period ago and returns the newest opened at or after since.
--
-- KEYS[1] incidents
-- ARGV[1..5] key prefix, now, since, limit, retention (the incidents')
-- Returns each incident's hash as a flat field/value array. The Go code
-- sorts them (Opened descending, ID ascending, as memory) and keeps
-- limit: the sorted set orders ties by member descending, so the script
-- returns every incident tied with the last of the newest limit too.

local index, prefix = KEYS[1], ARGV[1]
local now, since, limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
C.retention = tonumber(ARGV[5])

local function incident_key(id) return prefix .. 'incident:' .. id end

-- now.Sub(in.inc.Opened) > retention: delete(s.incidents, id)
local cutoff = '(' .. int(now - C.retention)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', cutoff)) do
  redis.call('DEL', incident_key(id), prefix .. 'timeline:' .. id)
end
redis.call('ZREMRANGEBYSCORE', index, '-inf', cutoff)

-- candidates returns the ids of the newest limit incidents opened at or
-- after since, and those tied with the last of them.
local function candidates()
  local top = redis.call('ZREVRANGEBYSCORE', index, '+inf', int(since), 'WITHSCORES',
    'LIMIT', 0, limit)
  local ids, seen = {}, {}
  for i = 1, #top, 2 do
    ids[#ids + 1], seen[top[i]] = top[i], true
  end
  if #ids == limit then
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, top[#top], top[#top])) do
      if not seen[id] then ids[#ids + 1] = id end
    end
  end
  return ids
end

if limit <= 0 then
  return {}
end
-- An incident's hash may have expired before the index entry (the
-- index is refreshed by every incident); drop such entries and select
-- again, so they do not take the place of live incidents.
local out, stale
repeat
  out, stale = {}, false
  for _, id in ipairs(candidates()) do
    local h = redis.call('HGETALL', incident_key(id))
    if #h == 0 then
      redis.call('ZREM', index, id)
      stale = true
    else
      out[#out + 1] = h
    end
  end
until not stale
return out
