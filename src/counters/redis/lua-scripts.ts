// One Lua script per phase, so each phase is one atomic round trip. They mirror
// memory/memory-store.ts step for step; the shared contract suite checks both.
//
// Layout per counter key K (K already carries the store prefix):
//   K      hash   s = settled (fixed/none: running total; sliding: sum of the log)
//                 r = live reserved total, t = fixed window end, w = sliding ms,
//                 n = sequence for sliding-log members, a:<id> = amount reserved by <id>
//   K:l    zset   live leases: member <id>, score = lease expiry
//   K:w    zset   sliding log: member "<amount>:<seq>" (seq keeps members unique), score = time
// Reservation record R (hash): exp, at, n, then per claim i: k<i>, m<i>, t<i> (f|s|n), x<i>.
//
// Times come from ARGV (the caller's clock), never from Redis TIME. Key TTLs are
// relative (PEXPIRE), so a caller clock far from Redis's cannot expire live state.
// All numbers are integers: Lua doubles are exact up to 2^53 and '%d' formats them
// without the '%.14g' rounding of tostring().

const PRELUDE = `
local function fmt(n) return string.format('%d', n) end
local function num(v) return tonumber(v) or 0 end
local PAGE = 500

-- Extends each key's TTL to at least need ms, never shortens it: another lease on the
-- same counter may need longer. Missing keys are skipped.
local function touch(need, ...)
  for _, k in ipairs({...}) do
    local cur = redis.call('PTTL', k)
    if cur == -1 or (cur >= 0 and cur < need) then redis.call('PEXPIRE', k, fmt(need)) end
  end
end

local function window_need(kind, param, now, idle)
  if kind == 'f' then return param - now end
  if kind == 's' then return param end
  return idle
end

local function touch_counter(K, kind, need)
  touch(need, K, K .. ':l')
  if kind == 's' then touch(need, K .. ':w') end
end

-- Counter state in one read: settled, reserved, fixed window end, sliding ms.
local function load(K)
  local v = redis.call('HMGET', K, 's', 'r', 't', 'w')
  return {s = num(v[1]), r = num(v[2]), t = tonumber(v[3]), w = tonumber(v[4])}
end

-- Gives back the amounts of leases that ended at or before now (paged: unpack has limits).
local function purge_leases(K, c, now)
  local L = K .. ':l'
  while true do
    local ids = redis.call('ZRANGEBYSCORE', L, '-inf', fmt(now), 'LIMIT', 0, PAGE)
    if #ids == 0 then return end
    local fields = {}
    for i, id in ipairs(ids) do fields[i] = 'a:' .. id end
    local freed = 0
    for _, a in ipairs(redis.call('HMGET', K, unpack(fields))) do freed = freed + num(a) end
    redis.call('HDEL', K, unpack(fields))
    redis.call('ZREM', L, unpack(ids))
    c.r = c.r - freed
    redis.call('HSET', K, 'r', fmt(c.r))
    if #ids < PAGE then return end
  end
end

-- Drops sliding-log entries at or before cutoff (an entry at t counts while now - t < ms).
local function purge_log(K, c, cutoff)
  local W = K .. ':w'
  while true do
    local old = redis.call('ZRANGEBYSCORE', W, '-inf', fmt(cutoff), 'LIMIT', 0, PAGE)
    if #old == 0 then return end
    local freed = 0
    for _, m in ipairs(old) do freed = freed + tonumber(string.match(m, '^%d+')) end
    redis.call('ZREM', W, unpack(old))
    c.s = c.s - freed
    redis.call('HSET', K, 's', fmt(c.s))
    if #old < PAGE then return end
  end
end

-- Brings c.s into the window (kind, param) as of now.
local function enter_window(K, c, kind, param, now)
  if kind == 'f' then
    if c.t == nil or now >= c.t then
      c.s = 0
      c.t = param
      redis.call('HSET', K, 's', '0', 't', fmt(param))
    end
  elseif kind == 's' then
    if c.w ~= param then
      c.w = param
      redis.call('HSET', K, 'w', fmt(param))
    end
    purge_log(K, c, now - param)
  end
end

local function read_record(R)
  local flat = redis.call('HGETALL', R)
  if #flat == 0 then return nil end
  local rec = {}
  for i = 1, #flat, 2 do rec[flat[i]] = flat[i + 1] end
  return rec
end

-- Removes the reservation's leases from its counters, then the record.
local function drop_reservation(R, rec, id)
  local f = 'a:' .. id
  for i = 1, num(rec.n) do
    local K = rec['k' .. i]
    local amt = redis.call('HGET', K, f)
    if amt then
      redis.call('HINCRBY', K, 'r', fmt(-tonumber(amt)))
      redis.call('HDEL', K, f)
      redis.call('ZREM', K .. ':l', id)
    end
  end
  redis.call('DEL', R)
end
`;

/**
 * KEYS: [record, counter_1..counter_n]
 * ARGV: id, now, leaseMs, graceMs, idleMs, maxLeaseHintMs, then per claim: amount, limit, kind, param
 * Reply: {1, rem_1..rem_n, reset_1..reset_n} (reset -1 = none) or {0, failedIndex, used, limit, retryAfterMs (-1 = never)}
 */
export const RESERVE_LUA = `${PRELUDE}
local R = KEYS[1]
local id = ARGV[1]
local now = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local idle = tonumber(ARGV[5])
local max_hint = tonumber(ARGV[6])
local n = #KEYS - 1
local exp = now + lease

local prev = read_record(R)
local replay = prev ~= nil and num(prev.exp) > now
if prev ~= nil and not replay then drop_reservation(R, prev, id) end

local function lease_hint(K)
  local first = redis.call('ZRANGE', K .. ':l', 0, 0, 'WITHSCORES')
  if first[2] == nil then return max_hint end
  return math.max(1, math.min(tonumber(first[2]) - now, max_hint))
end

local function retry_after(cl)
  local c = cl.c
  if cl.amount > cl.limit then return -1 end
  local excess = c.s + cl.amount - cl.limit
  -- Only in-flight reservations are in the way; they usually settle before their lease ends.
  if excess <= 0 then return lease_hint(cl.K) end
  if cl.kind == 'f' then return math.max(1, c.t - now) end
  if cl.kind == 'n' then return -1 end
  local freed = 0
  local start = 0
  while true do
    local page = redis.call('ZRANGE', cl.K .. ':w', start, start + PAGE - 1, 'WITHSCORES')
    if #page == 0 then return math.max(1, cl.param) end
    for j = 1, #page, 2 do
      freed = freed + tonumber(string.match(page[j], '^%d+'))
      if freed >= excess then return math.max(1, tonumber(page[j + 1]) + cl.param - now) end
    end
    start = start + PAGE
  end
end

local claims = {}
for i = 1, n do
  local b = 6 + (i - 1) * 4
  local cl = {K = KEYS[i + 1], amount = tonumber(ARGV[b + 1]), limit = tonumber(ARGV[b + 2]),
              kind = ARGV[b + 3], param = tonumber(ARGV[b + 4])}
  cl.c = load(cl.K)
  enter_window(cl.K, cl.c, cl.kind, cl.param, now)
  purge_leases(cl.K, cl.c, now)
  claims[i] = cl
  local used = cl.c.s + cl.c.r
  if (not replay) and used + cl.amount > cl.limit then
    -- Whatever the checks above wrote must not outlive its window.
    for j = 1, i do
      local cj = claims[j]
      touch_counter(cj.K, cj.kind, window_need(cj.kind, cj.param, now, idle) + grace)
    end
    return {0, i - 1, used, cl.limit, retry_after(cl)}
  end
end

local reply = {1}
local resets = {}
local record = {'exp', fmt(exp), 'at', fmt(now), 'n', fmt(n)}
for i = 1, n do
  local cl = claims[i]
  local c = cl.c
  if not replay then
    c.r = c.r + cl.amount
    redis.call('HSET', cl.K, 'r', fmt(c.r), 'a:' .. id, fmt(cl.amount))
    redis.call('ZADD', cl.K .. ':l', fmt(exp), id)
    touch_counter(cl.K, cl.kind, math.max(window_need(cl.kind, cl.param, now, idle), lease) + grace)
    local m = #record
    record[m + 1] = 'k' .. i
    record[m + 2] = cl.K
    record[m + 3] = 'm' .. i
    record[m + 4] = fmt(cl.amount)
    record[m + 5] = 't' .. i
    record[m + 6] = cl.kind
    record[m + 7] = 'x' .. i
    record[m + 8] = fmt(cl.param)
  end
  reply[#reply + 1] = math.max(0, cl.limit - (c.s + c.r))
  if cl.kind == 'f' then
    resets[i] = c.t
  elseif cl.kind == 's' then
    local first = redis.call('ZRANGE', cl.K .. ':w', 0, 0, 'WITHSCORES')
    resets[i] = (tonumber(first[2]) or now) + cl.param
  else
    resets[i] = -1
  end
end
if not replay then
  redis.call('HSET', R, unpack(record))
  redis.call('PEXPIRE', R, fmt(lease + grace))
end
for i = 1, n do reply[#reply + 1] = resets[i] end
return reply
`;

/**
 * KEYS: [record]
 * ARGV: id, now, graceMs, idleMs, actual_1..actual_n
 * Reply: 1 settled, 2 expired, 0 unknown, -n when the number of actuals is not n
 */
export const SETTLE_LUA = `${PRELUDE}
local R = KEYS[1]
local id = ARGV[1]
local now = tonumber(ARGV[2])
local grace = tonumber(ARGV[3])
local idle = tonumber(ARGV[4])
local rec = read_record(R)
if rec == nil then return 0 end
if num(rec.exp) <= now then
  drop_reservation(R, rec, id)
  return 2
end
local n = num(rec.n)
if #ARGV - 4 ~= n then return -n end
local at = num(rec.at)
local f = 'a:' .. id
for i = 1, n do
  local K = rec['k' .. i]
  local kind = rec['t' .. i]
  local param = tonumber(rec['x' .. i])
  local actual = tonumber(ARGV[4 + i])
  local v = redis.call('HMGET', K, f, 's', 'r', 't', 'w')
  local c = {s = num(v[2]), r = num(v[3]), t = tonumber(v[4]), w = tonumber(v[5])}
  if v[1] then
    c.r = c.r - tonumber(v[1])
    redis.call('HDEL', K, f)
    redis.call('ZREM', K .. ':l', id)
  end
  if kind == 'f' then
    -- Spend counts toward the window it was reserved in; if that window is over, it is gone.
    if now < param then
      enter_window(K, c, kind, param, now)
      c.s = c.s + actual
    end
  elseif kind == 's' then
    -- Dated at the reservation: that is when the call entered the window.
    if at > now - param and actual > 0 then
      enter_window(K, c, kind, param, now)
      local seq = redis.call('HINCRBY', K, 'n', 1)
      redis.call('ZADD', K .. ':w', fmt(at), fmt(actual) .. ':' .. seq)
      c.s = c.s + actual
    end
  else
    c.s = c.s + actual
  end
  redis.call('HSET', K, 's', fmt(c.s), 'r', fmt(c.r))
  touch_counter(K, kind, window_need(kind, param, now, idle) + grace)
end
redis.call('DEL', R)
return 1
`;

/**
 * KEYS: [record]; ARGV: id, now
 * Reply: 1 released, 2 expired, 0 unknown
 */
export const RELEASE_LUA = `${PRELUDE}
local R = KEYS[1]
local rec = read_record(R)
if rec == nil then return 0 end
drop_reservation(R, rec, ARGV[1])
if num(rec.exp) <= tonumber(ARGV[2]) then return 2 end
return 1
`;

/**
 * KEYS: counters; ARGV: now
 * Reply: settled (current window) + live reserved per key
 */
export const USAGE_LUA = `${PRELUDE}
local now = tonumber(ARGV[1])
local reply = {}
for i = 1, #KEYS do
  local K = KEYS[i]
  local c = load(K)
  purge_leases(K, c, now)
  if c.w ~= nil then purge_log(K, c, now - c.w) end
  local settled = c.s
  if c.t ~= nil and now >= c.t then settled = 0 end
  reply[i] = settled + c.r
end
return reply
`;

/**
 * KEYS: [dedup key]; ARGV: now, ttlMs, graceMs
 * Reply: {1 set | 0 already set, ttlRemainingMs}
 */
export const SET_IF_ABSENT_LUA = `${PRELUDE}
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local exp = tonumber(redis.call('GET', KEYS[1]))
if exp ~= nil and exp > now then return {0, exp - now} end
redis.call('SET', KEYS[1], fmt(now + ttl), 'PX', fmt(ttl + tonumber(ARGV[3])))
return {1, ttl}
`;

/**
 * KEYS: [counter]; ARGV: now, amount, kind, param, graceMs, idleMs
 * Reply: settled + live reserved after the increment
 */
export const ADD_LUA = `${PRELUDE}
local K = KEYS[1]
local now = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local kind = ARGV[3]
local param = tonumber(ARGV[4])
local c = load(K)
enter_window(K, c, kind, param, now)
purge_leases(K, c, now)
if kind == 's' then
  local seq = redis.call('HINCRBY', K, 'n', 1)
  redis.call('ZADD', K .. ':w', fmt(now), fmt(amount) .. ':' .. seq)
end
c.s = c.s + amount
redis.call('HSET', K, 's', fmt(c.s))
touch_counter(K, kind, window_need(kind, param, now, tonumber(ARGV[6])) + tonumber(ARGV[5]))
return c.s + c.r
`;
