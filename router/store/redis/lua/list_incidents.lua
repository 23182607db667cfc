-- list_incidents.lua: Store.Incidents and Store.ResolvedIncidents, the
-- Lua mirror of memory.Store.Incidents and ResolvedIncidents: forgets
-- incidents opened longer than the retention period ago and returns the
-- newest of an index (incidents.lua): those opened at or after since
-- (incidents), or resolved at or after since (incidents:resolved).
--
-- KEYS[1] incidents or incidents:resolved
-- ARGV[1..5] key prefix, now, since, limit, retention (the incidents')
-- Returns each incident's hash as a flat field/value array. The Go code
-- sorts them and keeps limit: the sorted set orders ties by member
-- descending, not as memory does, so the script returns every incident
-- tied with the last of the newest limit too.

C.prefix = ARGV[1]
local now, since, limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
C.retention = tonumber(ARGV[5])

forget_incidents(now)
return hashes(KEYS[1], int(since), limit)
