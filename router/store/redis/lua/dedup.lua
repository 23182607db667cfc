-- dedup.lua: the alert state (dedup.AlertState) and the Lua mirror of
-- dedup.Decide and dedup.Settle (router/dedup/dedup.go). Each function
-- follows its Go counterpart statement by statement; the Go line is
-- quoted on the right where the translation is not obvious. Change both
-- together: the storetest suite runs the same cases against the memory
-- store (which calls the Go code) and this one.
--
-- C.flap = {transitions, window, quiet, longTransitions, longWindow,
-- hold} must be set (milliseconds).

-- The state is field "s" of the alert's hash, packed by Redis's struct
-- library: a version byte (1); status, notifiedStatus and flapping as a
-- byte each; the number of transitions (16 bits); startsAt, resolvedAt,
-- firstSeen, lastSeen, lastNotified, notifications, suppressed and
-- settleAt as doubles; then the transitions, oldest first, as doubles.
-- A status is 0 (none), 1 (firing) or 2 (resolved); flapping is 1
-- (flapping), 2 (a resolve held; the two never hold at once) or 0.
-- Times are Unix milliseconds, which a double holds exactly.
-- One struct.pack of values on the stack is a few hundred instructions
-- of Redis's C code; a new alert's state packed as a MessagePack array
-- took thousands (a table built, walked to see it is an array, each
-- value encoded by type). Earlier versions wrote that MessagePack array
-- (first byte 0x90-0x9f), in the same order, with each status as its
-- string; and before it the fields as text, '|'-separated, with
-- flapping 1, h or 0 and comma-separated transitions (it starts with a
-- letter or '|'). Both are still read.
local status_code = {[''] = 0, firing = 1, resolved = 2}
local code_status = {[0] = '', 'firing', 'resolved'}
local state_header = '<BBBBHdddddddd'

-- transitions_format is the struct format of n transitions.
local transitions_format = memo(function(n) return '<' .. string.rep('d', n) end)

local function decode_state(s)
  local b = s and string.byte(s, 1)
  if b == 1 then
    local _, status, notified, flap, n, startsAt, resolvedAt, firstSeen, lastSeen, lastNotified,
      notifications, suppressed, settleAt, pos = struct.unpack(state_header, s)
    local transitions = {}
    if n > 0 then
      transitions = {struct.unpack(transitions_format(n), s, pos)}
      transitions[n + 1] = nil                     -- struct.unpack's next position
    end
    return {status = code_status[status], startsAt = startsAt, resolvedAt = resolvedAt,
      firstSeen = firstSeen, lastSeen = lastSeen, lastNotified = lastNotified,
      notifiedStatus = code_status[notified], notifications = notifications,
      suppressed = suppressed, flapping = flap == 1, held = flap == 2, settleAt = settleAt,
      transitions = transitions}
  end
  if b and b >= 0x90 and b <= 0x9f then
    local f = cmsgpack.unpack(s)
    return {status = f[1], startsAt = f[2], resolvedAt = f[3], firstSeen = f[4],
      lastSeen = f[5], lastNotified = f[6], notifiedStatus = f[7], notifications = f[8],
      suppressed = f[9], flapping = f[10] == 1, held = f[10] == 2, settleAt = f[11],
      transitions = f[12]}
  end
  local st = {status = '', startsAt = 0, resolvedAt = 0, firstSeen = 0, lastSeen = 0,
    lastNotified = 0, notifiedStatus = '', notifications = 0, suppressed = 0,
    flapping = false, held = false, settleAt = 0, transitions = {}}
  if not s then return st end
  local f = fields(s, 12)
  st.status, st.notifiedStatus = f[1], f[7]
  st.startsAt, st.resolvedAt = tonumber(f[2]), tonumber(f[3])
  st.firstSeen, st.lastSeen, st.lastNotified = tonumber(f[4]), tonumber(f[5]), tonumber(f[6])
  st.notifications, st.suppressed = tonumber(f[8]), tonumber(f[9])
  st.flapping, st.held, st.settleAt = f[10] == '1', f[10] == 'h', tonumber(f[11])
  for t in string.gmatch(f[12], '[^,]+') do
    st.transitions[#st.transitions + 1] = tonumber(t)
  end
  return st
end

local function encode_state(st)
  local n = #st.transitions
  local s = struct.pack(state_header, 1, status_code[st.status], status_code[st.notifiedStatus],
    st.flapping and 1 or (st.held and 2 or 0), n, st.startsAt, st.resolvedAt, st.firstSeen,
    st.lastSeen, st.lastNotified, st.notifications, st.suppressed, st.settleAt)
  if n == 0 then return s end
  return s .. struct.pack(transitions_format(n), unpack(st.transitions))
end

-- first_firing_state is the packed state decide leaves for a firing
-- alert it has never seen (no state): recorded as firing since startsAt,
-- first and last seen now, notified now as new, once. A storm is mostly
-- such alerts; observe.lua packs this instead of making, deciding and
-- packing a state table for each.
-- TestObserve_FirstFiringStateIsWhatDecideMakes checks it against decide.
-- The last one packed is kept: the alerts of a batch share the clock
-- reading, and those of one rule evaluation their start.
local last_start, last_now, last_state
local function first_firing_state(startsAt, now)
  if startsAt ~= last_start or now ~= last_now then
    last_start, last_now = startsAt, now
    last_state = struct.pack(state_header, 1, 1, 1, 0, 0, startsAt, 0, now, now, now, 1, 0, 0)
  end
  return last_state
end

-- (*AlertState).record
local function record(st, a, now)
  st.status = a.status                          -- st.Status = a.Status
  if a.status == 'firing' then
    if a.startsAt ~= 0 then                     -- if !a.StartsAt.IsZero()
      st.startsAt = a.startsAt
    end
    st.resolvedAt = 0                           -- st.ResolvedAt = time.Time{}
    return
  end
  st.resolvedAt = a.endsAt                      -- st.ResolvedAt = a.EndsAt
  if st.resolvedAt == 0 then                    -- if st.ResolvedAt.IsZero()
    st.resolvedAt = now
  end
end

-- (*AlertState).pruneTransitions; 64 is maxTransitions
local function prune_transitions(st, since)
  local i = math.max(1, #st.transitions - 64 + 1)   -- max(0, len(st.Transitions)-maxTransitions)
  while i <= #st.transitions and st.transitions[i] < since do  -- Transitions[i].Before(since)
    i = i + 1
  end
  if i == 1 then return end                     -- nothing to prune: keep the table
  local kept = {}
  for j = i, #st.transitions do kept[#kept + 1] = st.transitions[j] end
  st.transitions = kept                         -- st.Transitions = st.Transitions[i:]
end

-- FlapPolicy.horizon
local function horizon(p) return math.max(p.window, p.longWindow) end

-- FlapPolicy.flapping
local function is_flapping(p, transitions, now)
  local function count(window)
    local n = 0
    for _, t in ipairs(transitions) do
      if t >= now - window then n = n + 1 end     -- !t.Before(now.Add(-window))
    end
    return n
  end
  return (p.transitions > 0 and count(p.window) >= p.transitions) or
    (p.longTransitions > 0 and count(p.longWindow) >= p.longTransitions)
end

-- FlapPolicy.quiet
local function quiet(p, transitions)
  local q = p.quiet
  for i = 2, #transitions do
    q = math.max(q, transitions[i] - transitions[i - 1])
  end
  local h = horizon(p)
  if h > 0 and q > h then q = h end
  return q
end

-- (*AlertState).notify
local function notify(st, v, reason, now)
  st.lastNotified = now                         -- st.LastNotified = now
  st.notifiedStatus = st.status                 -- st.NotifiedStatus = st.Status
  st.notifications = st.notifications + 1       -- st.Notifications++
  v.action, v.reason = 'notify', reason         -- v.Action, v.Reason = Notify, r
  return v
end

-- (*AlertState).suppress
local function suppress(st, v, reason)
  st.suppressed = st.suppressed + 1             -- st.Suppressed++
  v.action, v.reason, v.suppressed = 'suppress', reason, st.suppressed
  return v
end

-- dedup.Decide. a = {status, startsAt, endsAt} of the observed alert;
-- rep is the observation's RepeatInterval.
local function decide(st, a, rep, now)
  local p = C.flap
  local v = {suppressed = 0, action = '', reason = ''}  -- v := Verdict{Fingerprint: a.Fingerprint}
  local known = st.firstSeen ~= 0               -- known := !st.FirstSeen.IsZero()
  if not known then
    st.firstSeen = now
  end
  st.lastSeen = now
  if known and st.status == 'resolved' and a.status == 'firing' and
      a.startsAt ~= 0 and a.startsAt < st.resolvedAt then  -- a.StartsAt.Before(st.ResolvedAt)
    return suppress(st, v, 'stale')
  end
  local changed = known and a.status ~= st.status
  local firedFor = now - st.startsAt            -- now.Sub(st.StartsAt)
  record(st, a, now)
  if changed then
    st.transitions[#st.transitions + 1] = now   -- append(st.Transitions, now)
  end
  prune_transitions(st, now - horizon(p))       -- now.Add(-p.horizon())
  if st.flapping then
    if changed then
      st.settleAt = now + quiet(p, st.transitions)
    end
    return suppress(st, v, 'flap-suppressed')
  end
  if changed and is_flapping(p, st.transitions, now) then
    st.flapping, st.held = true, false
    st.settleAt = now + quiet(p, st.transitions)
    return notify(st, v, 'flapping', now)
  end
  if a.status == 'firing' then
    if st.held then                             -- one episode after all
      st.held, st.settleAt = false, 0
    end
    if st.notifiedStatus ~= 'firing' then       -- case st.NotifiedStatus != StatusFiring
      return notify(st, v, 'new', now)
    elseif now - st.lastNotified >= rep then    -- case now.Sub(st.LastNotified) >= repeat
      return notify(st, v, 'repeat', now)
    end
    return suppress(st, v, 'duplicate')
  end
  if st.notifiedStatus == 'firing' then         -- switch st.NotifiedStatus
    if p.hold > 0 and (st.held or (changed and firedFor < p.hold)) then
      if not st.held then
        st.held, st.settleAt = true, now + p.hold
      end
      return suppress(st, v, 'resolve-held')
    end
    return notify(st, v, 'resolved', now)
  elseif st.notifiedStatus == 'resolved' then
    return suppress(st, v, 'duplicate')
  end
  v.action, v.reason = 'drop', 'unnotified'     -- v.Action, v.Reason = Drop, ReasonUnnotified
  return v
end

-- dedup.Settle. Returns nil where Go returns false.
local function settle(st, now)
  if st.held and now >= st.settleAt then        -- st.Held && !now.Before(st.SettleAt)
    st.held, st.settleAt = false, 0
    return notify(st, {suppressed = 0}, 'resolved', now)
  end
  if not st.flapping or now < st.settleAt then  -- !st.Flapping || now.Before(st.SettleAt)
    return nil
  end
  st.flapping = false
  st.settleAt = 0                               -- st.SettleAt = time.Time{}
  st.transitions = {}                           -- st.Transitions = nil
  return notify(st, {suppressed = 0}, 'flap-settled', now)
end
