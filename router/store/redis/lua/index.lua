-- index.lua: Store.Index, the Lua mirror of memory's index: adds an
-- entry under many keys in one call. Each key is a sorted set of entries
-- scored by when they expire; expired entries are dropped as the key is
-- written, and the key lives as long as its latest entry.
--
-- KEYS[1]    index:<first key> (the others share its hash slot)
-- ARGV[1..4] key prefix, now, until, entry
-- ARGV[5..]  the keys
-- Returns nothing.

local prefix, now, untl, entry = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local ttl = untl - tonumber(now)
for i = 5, #ARGV do
  local k = prefix .. 'index:' .. ARGV[i]
  redis.call('ZADD', k, int(untl), entry)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
  if redis.call('PTTL', k) < ttl then
    redis.call('PEXPIRE', k, int(ttl))
  end
end
