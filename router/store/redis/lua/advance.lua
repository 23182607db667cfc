-- advance.lua: Store.Advance, the Lua mirror of memory.Store.Advance
-- for seq > 0 (seq 0 is unordered; the Go code answers it without a
-- call): an atomic "max" of the sequence numbers applied at a target.
--
-- KEYS[1] seq:<incident>
-- ARGV[1..3] target, seq, retention (the incidents')
-- Returns 1, or 0 if a newer notification was already applied.

C.retention = tonumber(ARGV[3])
local key, target, seq = KEYS[1], ARGV[1], tonumber(ARGV[2])

if seq < tonumber(redis.call('HGET', key, target) or '0') then  -- seq < s.seqs[k]
  return 0
end
redis.call('HSET', key, target, int(seq))          -- s.seqs[k] = seq
expire(key)
return 1
