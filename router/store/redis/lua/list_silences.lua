-- list_silences.lua: Store.Silences, the Lua mirror of
-- memory.Store.Silences: returns the silences that are pending, active,
-- or expired less than store.SilenceRetention ago, and forgets the
-- others. The hash's TTL becomes exactly what its longest-lived silence
-- needs (at least the retention period), so the flusher's regular call
-- keeps silences that end months from now.
--
-- KEYS[1] silences
-- ARGV[1..3] now, store.SilenceRetention, retention
-- Returns a flat id/record array.

C.retention = tonumber(ARGV[3])
local key, now, keep = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])

local out, last = {}, nil
local h = redis.call('HGETALL', key)
for i = 1, #h, 2 do
  local ends = decode_silence(h[i + 1]).endsAt
  if now - ends > keep then                        -- now.Sub(sil.EndsAt) > store.SilenceRetention
    redis.call('HDEL', key, h[i])                  -- delete(s.silences, id)
  else
    out[#out + 1] = h[i]
    out[#out + 1] = h[i + 1]
    last = math.max(last or ends, ends)
  end
end
if last then
  redis.call('PEXPIRE', key, int(math.max(C.retention, last + keep - now)))
end
return out
