-- expire_silence.lua: Store.ExpireSilence, the Lua mirror of
-- memory.Store.ExpireSilence: ends a silence now.
--
-- KEYS[1] silences
-- ARGV[1..3] id, now, retention
-- Returns 1, or 0 for an unknown id (store.ErrNotFound).

C.retention = tonumber(ARGV[3])
local key, id, now = KEYS[1], ARGV[1], tonumber(ARGV[2])

local rec = redis.call('HGET', key, id)
if not rec then                                    -- !ok
  return 0
end
local s = decode_silence(rec)
if s.endsAt > now then                             -- sil.EndsAt.After(now)
  s.endsAt = now
  if s.startsAt > now then
    s.startsAt = now
  end
  redis.call('HSET', key, id, encode_silence(s))
end
expire_at_least(key, 0)
return 1
