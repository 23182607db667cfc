-- set_silence.lua: Store.SetSilence, the Lua mirror of
-- memory.Store.SetSilence: creates or replaces a silence.
--
-- KEYS[1] silences
-- ARGV[1..4] id, record (silences.lua), ttl, retention
-- ttl is how long the silence must be kept from now: until it has been
-- expired for store.SilenceRetention.

C.retention = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])      -- s.silences[sil.ID] = sil
expire_at_least(KEYS[1], tonumber(ARGV[3]))
return 1
