"""The Lua scripts of the Redis budget backend.

Per window key ``<w>`` there are two Redis keys: a hash ``<prefix>budget:s:<w>`` with the
settled spend ``s`` and the sum of live leases ``r``, and a sorted set ``<prefix>budget:l:<w>``
of leases (member ``"<id>:<amount>"``, score = expiry). ``<prefix>budget:index`` lists the live
window keys (score = when they expire) for status reports.

Money is integer picodollars held as decimal strings. Lua 5.1 numbers are doubles, exact only
to 2^53 (about $9,007 in picodollars), so the scripts do their sums on two limbs of nine
digits each and never round. The time comes from the caller (``ARGV``), never from Redis, so
an injected clock works here too; key lifetimes are relative (EXPIRE seconds).
"""

from __future__ import annotations

__all__ = ["EXTEND", "RESERVE", "RESTORE", "SETTLE", "USAGE", "WINDOWS"]

_LIB = r"""
local B = 1000000000
local function P(s)
  s = tostring(s)
  local n = #s
  if n <= 9 then return {0, tonumber(s)} end
  return {tonumber(string.sub(s, 1, n - 9)), tonumber(string.sub(s, n - 8))}
end
local function add(a, b)
  local hi, lo = a[1] + b[1], a[2] + b[2]
  if lo >= B then hi, lo = hi + 1, lo - B end
  return {hi, lo}
end
local function sub(a, b)
  local hi, lo = a[1] - b[1], a[2] - b[2]
  if lo < 0 then hi, lo = hi - 1, lo + B end
  if hi < 0 then return {0, 0} end
  return {hi, lo}
end
local function cmp(a, b)
  if a[1] ~= b[1] then if a[1] < b[1] then return -1 end return 1 end
  if a[2] ~= b[2] then if a[2] < b[2] then return -1 end return 1 end
  return 0
end
local function S(a)
  if a[1] == 0 then return string.format('%.0f', a[2]) end
  return string.format('%.0f%09.0f', a[1], a[2])
end
local function clean(h, z, now)
  local gone = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  if #gone == 0 then return end
  local r = P(redis.call('HGET', h, 'r') or '0')
  for _, m in ipairs(gone) do r = sub(r, P(string.match(m, ':(%d+)$'))) end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  redis.call('HSET', h, 'r', S(r))
end
local function get(h)
  local v = redis.call('HMGET', h, 's', 'r')
  return v[1] or '0', v[2] or '0'
end
"""

RESERVE = (
    _LIB
    + r"""
-- KEYS: index, then (hash, leases) per window
-- ARGV: now, amount, member, expires, then (limit, ttl, name) per window
local now, amount, member, expires = ARGV[1], P(ARGV[2]), ARGV[3], ARGV[4]
local n = (#KEYS - 1) / 2
local out, refused, worst = {}, -1, nil
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  clean(h, z, now)
  -- A lease already held would be counted twice and released once: refuse it (-2).
  if redis.call('ZSCORE', z, member) then return {'-2'} end
  local s, r = get(h)
  out[2 * i], out[2 * i + 1] = s, r
  local total = add(add(P(s), P(r)), amount)
  local limit = P(ARGV[3 + 3 * i - 1])
  if cmp(total, limit) > 0 then
    local over = sub(total, limit)
    if refused < 0 or cmp(over, worst) > 0 then refused, worst = i - 1, over end
  end
end
out[1] = tostring(refused)
if refused >= 0 then return out end
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  local ttl, name = ARGV[3 + 3 * i], ARGV[4 + 3 * i]
  local r = S(add(P(out[2 * i + 1]), amount))
  out[2 * i + 1] = r
  redis.call('HSET', h, 'r', r)
  redis.call('ZADD', z, expires, member)
  redis.call('EXPIRE', h, ttl)
  redis.call('EXPIRE', z, ttl)
  redis.call('ZADD', KEYS[1], 'GT', tonumber(now) + tonumber(ttl), name)
end
return out
"""
)

EXTEND = (
    _LIB
    + r"""
-- KEYS: index, then (hash, leases) per window
-- ARGV: now, old member, new amount, new member, expires, then (limit, ttl, name) per window
-- The lease "<id>:<old>" becomes "<id>:<new>" in every window, or in none. A window that no
-- longer holds the old member (it expired) takes the new amount whole.
local now, old, amount, member, expires = ARGV[1], ARGV[2], P(ARGV[3]), ARGV[4], ARGV[5]
local was = P(string.match(old, ':(%d+)$'))
local n = (#KEYS - 1) / 2
local out, held, refused, worst = {}, {}, -1, nil
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  clean(h, z, now)
  local s, r = get(h)
  out[2 * i], out[2 * i + 1] = s, r
  held[i] = redis.call('ZSCORE', z, old) ~= false
  local total = add(P(s), P(r))
  if held[i] then total = sub(total, was) end
  total = add(total, amount)
  local limit = P(ARGV[3 + 3 * i])
  if cmp(total, limit) > 0 then
    local over = sub(total, limit)
    if refused < 0 or cmp(over, worst) > 0 then refused, worst = i - 1, over end
  end
end
out[1] = tostring(refused)
if refused >= 0 then return out end
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  local ttl, name = ARGV[4 + 3 * i], ARGV[5 + 3 * i]
  local r = P(out[2 * i + 1])
  if held[i] then
    redis.call('ZREM', z, old)
    r = sub(r, was)
  end
  r = S(add(r, amount))
  out[2 * i + 1] = r
  redis.call('HSET', h, 'r', r)
  redis.call('ZADD', z, expires, member)
  redis.call('EXPIRE', h, ttl)
  redis.call('EXPIRE', z, ttl)
  redis.call('ZADD', KEYS[1], 'GT', tonumber(now) + tonumber(ttl), name)
end
return out
"""
)

SETTLE = (
    _LIB
    + r"""
-- KEYS: index, then (hash, leases) per window
-- ARGV: now, actual, member, amount, then (ttl, name) per window. A release settles 0.
local now, actual, member, amount = ARGV[1], P(ARGV[2]), ARGV[3], P(ARGV[4])
local n = (#KEYS - 1) / 2
local out = {}
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  local ttl, name = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  clean(h, z, now)
  local s, r = get(h)
  if redis.call('ZREM', z, member) == 1 then r = S(sub(P(r), amount)) end
  s = S(add(P(s), actual))
  redis.call('HSET', h, 's', s, 'r', r)
  redis.call('EXPIRE', h, ttl)
  redis.call('ZADD', KEYS[1], 'GT', tonumber(now) + tonumber(ttl), name)
  out[2 * i - 1], out[2 * i] = s, r
end
return out
"""
)

USAGE = (
    _LIB
    + r"""
-- KEYS: (hash, leases) per window; ARGV: now
local out = {}
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  clean(h, z, ARGV[1])
  out[2 * i - 1], out[2 * i] = get(h)
end
return out
"""
)

WINDOWS = (
    _LIB
    + r"""
-- KEYS: index; ARGV: now, hash prefix, leases prefix
local now = ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {}
for _, name in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local h = ARGV[2] .. name
  if redis.call('EXISTS', h) == 1 then
    clean(h, ARGV[3] .. name, now)
    local s, r = get(h)
    out[#out + 1] = name
    out[#out + 1] = s
    out[#out + 1] = r
  end
end
return out
"""
)

RESTORE = (
    _LIB
    + r"""
-- KEYS: index, hash; ARGV: now, spent, ttl, name
local s = get(KEYS[2])
if cmp(P(s), P(ARGV[2])) < 0 then redis.call('HSET', KEYS[2], 's', ARGV[2]) end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], 'GT', tonumber(ARGV[1]) + tonumber(ARGV[3]), ARGV[4])
return 1
"""
)
