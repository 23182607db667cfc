-- silences.lua: silences (store.Silence). The silences hash maps an id
-- to startsAt|endsAt|silence JSON; the two times come first so that
-- scripts read and change them without parsing JSON, and they are the
-- authoritative ones (the JSON has no times but createdAt).
--
-- C.retention must be set.

local function decode_silence(rec)
  local f = fields(rec, 3)
  return {startsAt = tonumber(f[1]), endsAt = tonumber(f[2]), json = f[3]}
end

local function encode_silence(s)
  return int(s.startsAt) .. '|' .. int(s.endsAt) .. '|' .. s.json
end
