-- open_incidents.lua: Store.OpenIncidents, the Lua mirror of
-- memory.Store.OpenIncidents: forgets incidents opened longer than the
-- retention period ago and returns the cards (incidents.lua) of the
-- newest open ones.
--
-- KEYS[1] incidents:open
-- ARGV[1..4] key prefix, now, limit, retention (the incidents')
-- Returns the cards of the newest limit open incidents and of those
-- tied with the last of them; the Go code sorts them and keeps limit.

C.prefix, C.retention = ARGV[1], tonumber(ARGV[4])
local now, limit = tonumber(ARGV[2]), tonumber(ARGV[3])

forget_incidents(now)
-- A card missing for an indexed id (it cannot be, short of a lost
-- write) drops the entry, and the selection is made again, so that it
-- does not take the place of a live incident.
local out, stale
repeat
  out, stale = {}, false
  local ids = newest(KEYS[1], '-inf', limit)
  for i = 1, #ids, 1000 do                         -- unpack has a stack limit
    local cards = redis.call('HMGET', incidents_key('cards'), unpack(ids, i, math.min(i + 999, #ids)))
    for j = 1, #cards do
      if cards[j] then
        out[#out + 1] = cards[j]
      else
        redis.call('ZREM', KEYS[1], ids[i + j - 1])
        stale = true
      end
    end
  end
until not stale
return out
