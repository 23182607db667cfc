-- claim_outbox.lua: the non-blocking part of Store.ClaimOutbox. In one
-- atomic call it
--   1. moves retries that are due from the retry set into the stream,
--   2. takes over entries another consumer has held unacknowledged for
--      ReclaimAfter (XAUTOCLAIM: the consumer is presumed dead; its idle
--      time is measured by the server's clock, the one exception to
--      "the caller's clock decides"),
--   3. reads new entries (XREADGROUP '>'), up to limit in all.
-- Blocking for new entries, if the caller wants to wait, is done by the
-- Go code afterwards: a script cannot block.
--
-- KEYS[1]    outbox        KEYS[2] retry
-- ARGV[1..6] consumer group, consumer, now, limit, reclaimAfter, retention
-- Returns the claimed stream entries: {id, {field, value, ...}} each.

local stream, retry = KEYS[1], KEYS[2]
local group, consumer, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local limit, idle = tonumber(ARGV[4]), tonumber(ARGV[5])
C.retention = tonumber(ARGV[6])

ensure_outbox(stream, group)

-- 1. Due retries: a retry-set member is a MessagePack array of
-- old id, payload, attempts, enqueued, lastError (see retry.lua).
local due = redis.call('ZRANGEBYSCORE', retry, '-inf', int(now), 'LIMIT', 0, limit)
for _, rec in ipairs(due) do
  local e = cmsgpack.unpack(rec)
  xadd(stream, e[2], e[3], e[4], e[5])
  redis.call('ZREM', retry, rec)
end

-- 2. Entries of dead consumers. XAUTOCLAIM looks at no more than 10 x
-- COUNT pending entries per call, so follow its cursor (a few calls at
-- most) lest entries that are merely in flight hide older abandoned
-- ones. Deleted entries come back as false on Redis 6.2; skip them.
local out = {}
local cursor = '0-0'
for _ = 1, 10 do
  local claimed = redis.call('XAUTOCLAIM', stream, group, consumer, int(idle), cursor,
    'COUNT', limit - #out)
  for _, e in ipairs(claimed[2]) do
    if e then out[#out + 1] = e end
  end
  cursor = claimed[1]
  if cursor == '0-0' or #out >= limit then break end
end

-- 3. New entries.
if #out < limit then
  local read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', limit - #out,
    'STREAMS', stream, '>')
  if read then
    for _, e in ipairs(read[1][2]) do out[#out + 1] = e end
  end
end

if #out > 0 or #due > 0 then expire(stream) end
return out
