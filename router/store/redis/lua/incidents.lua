-- incidents.lua: the indexes of incidents, shared by record_incident.lua
-- and the listings. C.prefix and C.retention (the incidents') must be
-- set.
--
--   incidents            zset  every incident, scored by when it opened
--   incidents:open       zset  the incidents not resolved, scored by when
--                              they opened (memory's s.open)
--   incidents:resolved   zset  the resolved ones, scored by when they
--                              resolved
--   incidents:cards      hash  id -> the record of each incident of
--                              incidents:open, so the open ones are listed
--                              with one HMGET instead of a hash each
--
-- A card is the incident's hash fields in the order of INCIDENT_FIELDS,
-- each as <length>:<bytes> (a netstring without the comma), so any byte
-- may appear in a field; the Go code splits it (incidents.go).

local INCIDENT_FIELDS = {'id', 'group', 'title', 'receiver', 'severity', 'severityRank', 'service',
  'labels', 'runbook', 'startsAt', 'opened', 'notified', 'ackedBy', 'ackedAt',
  'resolvedAt', 'status'}

local function incidents_key(name)
  if name then return C.prefix .. 'incidents:' .. name end
  return C.prefix .. 'incidents'
end

-- index files the merged incident inc under its status.
local function index_incident(inc)
  local id, open, resolved, cards = inc.id, incidents_key('open'), incidents_key('resolved'), incidents_key('cards')
  if inc.status == 'resolved' then                 -- incident.StatusResolved
    redis.call('ZREM', open, id)
    redis.call('HDEL', cards, id)
    redis.call('ZADD', resolved, inc.resolvedAt, id)
  else
    local card = {}
    for i, f in ipairs(INCIDENT_FIELDS) do card[i] = #inc[f] .. ':' .. inc[f] end
    redis.call('ZADD', open, inc.opened, id)
    redis.call('HSET', cards, id, table.concat(card))
    redis.call('ZREM', resolved, id)
  end
  redis.call('ZADD', incidents_key(), inc.opened, id) -- listed by Opened
  for _, k in ipairs({incidents_key(), open, resolved, cards}) do expire(k) end
end

-- unindex forgets the incident id in every index.
local function unindex_incident(id)
  redis.call('ZREM', incidents_key(), id)
  redis.call('ZREM', incidents_key('open'), id)
  redis.call('ZREM', incidents_key('resolved'), id)
  redis.call('HDEL', incidents_key('cards'), id)
end

-- forget_incidents deletes the incidents opened longer than the
-- retention period before now (memory: now.Sub(in.inc.Opened) >
-- retention), with their timelines and index entries.
local function forget_incidents(now)
  local cutoff = '(' .. int(now - C.retention)
  for _, index in ipairs({incidents_key(), incidents_key('open')}) do
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', cutoff)) do
      redis.call('DEL', C.prefix .. 'incident:' .. id, C.prefix .. 'timeline:' .. id)
      unindex_incident(id)
    end
  end
end

-- newest returns the ids of index (a zset) scored at least min, the
-- limit highest first, and every other id tied with the last of them:
-- the zset orders ties by member, the Go code by Opened and then ID.
local function newest(index, min, limit)
  if limit <= 0 then return {} end
  local top = redis.call('ZREVRANGEBYSCORE', index, '+inf', min, 'WITHSCORES', 'LIMIT', 0, limit)
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

-- hashes returns the hashes (flat field/value arrays) of newest(index,
-- min, limit). An incident's hash may have expired before its index
-- entries (the indexes are refreshed by every incident): such entries
-- are dropped and the selection made again, so that they do not take
-- the place of live incidents.
local function hashes(index, min, limit)
  local out, stale
  repeat
    out, stale = {}, false
    for _, id in ipairs(newest(index, min, limit)) do
      local h = redis.call('HGETALL', C.prefix .. 'incident:' .. id)
      if #h == 0 then
        unindex_incident(id)
        stale = true
      else
        out[#out + 1] = h
      end
    end
  until not stale
  return out
end
