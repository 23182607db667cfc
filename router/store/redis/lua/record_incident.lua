-- record_incident.lua: Store.RecordIncident, the Lua mirror of
-- memory.Store.RecordIncident and incident.Incident.Merge: merges an update
-- into the incident's hash with Merge's rules and appends events to its
-- timeline, atomically, so concurrent writers (flusher, worker, Slack
-- button) never lose facts.
--
-- KEYS[1] incident:<id>   KEYS[2] timeline:<id>
-- KEYS[3..6] incidents, incidents:open, incidents:resolved, incidents:cards
-- (incidents.lua)
-- ARGV[1..3] key prefix, retention (the incidents'),
-- store.MaxTimelineEvents
-- ARGV[4..19] the update, one value per field of INCIDENT_FIELDS
-- (incidents.lua; times in ms, 0 for zero; labels JSON or '' when
-- empty; severityRank is alert.Severity.Rank, so the ranking lives in
-- Go only)
-- then the events to append, as JSON.

local FIELDS = INCIDENT_FIELDS
local NUMBERS = {severityRank = true, startsAt = true, opened = true, notified = true,
  ackedAt = true, resolvedAt = true}

local key, timeline = KEYS[1], KEYS[2]
C.prefix, C.retention = ARGV[1], tonumber(ARGV[2])
local max = tonumber(ARGV[3])

local u, inc = {}, {}
for i, f in ipairs(FIELDS) do
  u[f] = ARGV[3 + i]
  inc[f] = NUMBERS[f] and '0' or ''                  -- the zero Incident
end
local h = redis.call('HGETALL', key)
for i = 1, #h, 2 do inc[h[i]] = h[i + 1] end

-- earliest and set are Merge's helpers of the same names.
local function earliest(f)
  local cur, t = tonumber(inc[f]), tonumber(u[f])
  if t ~= 0 and (cur == 0 or t < cur) then inc[f] = u[f] end
end
local function set(f)
  if u[f] ~= '' then inc[f] = u[f] end
end

earliest('startsAt')
earliest('opened')
earliest('notified')
if inc.ackedBy == '' and u.ackedBy ~= '' then      -- the first acknowledgement wins
  inc.ackedBy, inc.ackedAt = u.ackedBy, u.ackedAt
end
for _, f in ipairs({'id', 'group', 'title', 'receiver', 'service', 'runbook', 'status'}) do
  set(f)
end
if tonumber(u.severityRank) > tonumber(inc.severityRank) then  -- u.Severity.Rank() > inc.Severity.Rank()
  inc.severity, inc.severityRank = u.severity, u.severityRank
end
if u.labels ~= '' then                             -- len(u.Labels) > 0
  inc.labels = u.labels
end
if tonumber(u.resolvedAt) ~= 0 then
  inc.resolvedAt = u.resolvedAt
end
if u.status == 'open' then                         -- incident.StatusOpen
  inc.resolvedAt = '0'
end

local flat = {}
for _, f in ipairs(FIELDS) do
  flat[#flat + 1] = f
  flat[#flat + 1] = inc[f]
end
redis.call('HSET', key, unpack(flat))
index_incident(inc)                                -- listed by Opened, and memory's s.open
if #ARGV > 19 then                                 -- in.events = append(in.events, events...)
  -- Only the newest max events can stay, and unpack has a stack limit.
  redis.call('RPUSH', timeline, unpack(ARGV, math.max(20, #ARGV - max + 1)))
  redis.call('LTRIM', timeline, -max, -1)          -- keep the newest MaxTimelineEvents
  expire(timeline)
end
expire(key)
return 1
