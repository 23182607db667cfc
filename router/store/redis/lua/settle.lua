-- settle.lua: Store.Settle, the Lua mirror of memory.Store.Settle. The
-- flapping set is a sorted set scored by settle time, so only alerts that
-- may be due are looked at.
--
-- KEYS[1] flapping    KEYS[2] groups:due
-- ARGV[1] key prefix  ARGV[2] now  ARGV[3] retention
-- Returns fingerprint, action, reason for each settled alert.

C.prefix, C.flapping, C.due = ARGV[1], KEYS[1], KEYS[2]
C.retention = tonumber(ARGV[3])
local now = tonumber(ARGV[2])

local out = {}
for _, fp in ipairs(redis.call('ZRANGEBYSCORE', C.flapping, '-inf', int(now))) do
  local key = C.prefix .. 'alert:' .. fp
  local h = redis.call('HMGET', key, 's', 'a', 'g')
  if not h[1] then                                 -- t == nil (the alert expired)
    redis.call('ZREM', C.flapping, fp)
  else
    local st = decode_state(h[1])
    local v = settle(st, now)                      -- dedup.Settle(&t.state, fp, now)
    if v then
      redis.call('HSET', key, 's', encode_state(st))
      expire(key)
      redis.call('ZREM', C.flapping, fp)           -- delete(s.flapping, fp)
      local status, alert = unpack_tracked(h[2])
      join(fp, tracked(status, alert, st.flapping, unpack_groups(h[3])), v.reason, now)
      out[#out + 1] = fp
      out[#out + 1] = v.action
      out[#out + 1] = v.reason
    elseif st.flapping or st.held then
      -- Not due after all: keep the score equal to the settle time.
      redis.call('ZADD', C.flapping, int(st.settleAt), fp)
    else
      -- Not flapping: memory keeps such a fingerprint in its set and
      -- skips it forever; dropping it is equivalent and bounded.
      redis.call('ZREM', C.flapping, fp)
    end
  end
end
write_members()
flush_tallies()
return out
