"""The Lua scripts of the Redis budget backend.

Per window key ``<w>`` there are two Redis keys: a hash ``<prefix>budget:v2:s:<w>`` with the
settled spend ``s`` and the sum of live leases ``r``, and a sorted set
``<prefix>budget:v2:l:<w>`` of leases (member ``"<id>:<amount>"``, score = expiry).
``<prefix>budget:v2:index`` lists the live window keys (score = when they expire) for status
reports.

Money is integer nanodollars. Redis keeps ``s`` and ``r`` as 64-bit integers (``HINCRBY``, fed
the decimal strings the caller sent, so writes never pass through a Lua double), and the
scripts return them as Redis's strings. Only the limit checks read them as Lua numbers
(doubles), as ``(spent - limit) + reserved + amount``: every limit and so every live
reservation is below 2^53 (``Limit.MAX_USD``), so the figure is exact whenever it is below
2^53 in size, and its sign is right at any size (a spend past 2^53 is past every limit). The
time comes from the caller (``ARGV``), never from Redis, so an injected clock works here too;
key lifetimes are relative (EXPIRE seconds).
"""

from __future__ import annotations

__all__ = ["EXTEND", "RESERVE", "RESTORE", "SETTLE", "USAGE", "WINDOWS"]

_LIB = r"""
local function N(s) return tonumber(s) end
local function clean(h, z, now)
  local gone = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  if #gone == 0 then return end
  for _, m in ipairs(gone) do redis.call('HINCRBY', h, 'r', '-' .. string.match(m, ':(%d+)$')) end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
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
local now, amount, member, expires = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n = (#KEYS - 1) / 2
local out, refused, worst = {}, -1, 0
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  clean(h, z, now)
  -- A lease already held would be counted twice and released once: refuse it (-2).
  if redis.call('ZSCORE', z, member) then return {'-2'} end
  local s, r = get(h)
  out[2 * i], out[2 * i + 1] = s, r
  local over = (N(s) - N(ARGV[3 + 3 * i - 1])) + N(r) + N(amount)
  if over > 0 and (refused < 0 or over > worst) then refused, worst = i - 1, over end
end
out[1] = tostring(refused)
if refused >= 0 then return out end
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  local ttl, name = ARGV[3 + 3 * i], ARGV[4 + 3 * i]
  out[2 * i + 1] = redis.call('HINCRBY', h, 'r', amount)
  redis.call('ZADD', z, expires, member)
  redis.call('EXPIRE', h, ttl)
  redis.call('EXPIRE', z, ttl)
  redis.call('ZADD', KEYS[1], 'GT', N(now) + N(ttl), name)
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
local now, old, amount, member, expires = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local was = string.match(old, ':(%d+)$')
local n = (#KEYS - 1) / 2
local out, held, refused, worst = {}, {}, -1, 0
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  clean(h, z, now)
  local s, r = get(h)
  out[2 * i], out[2 * i + 1] = s, r
  held[i] = redis.call('ZSCORE', z, old) ~= false
  local lent = N(r)
  if held[i] then lent = lent - N(was) end
  local over = (N(s) - N(ARGV[3 + 3 * i])) + lent + N(amount)
  if over > 0 and (refused < 0 or over > worst) then refused, worst = i - 1, over end
end
out[1] = tostring(refused)
if refused >= 0 then return out end
for i = 1, n do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  local ttl, name = ARGV[4 + 3 * i], ARGV[5 + 3 * i]
  if held[i] then
    redis.call('ZREM', z, old)
    redis.call('HINCRBY', h, 'r', '-' .. was)
  end
  out[2 * i + 1] = redis.call('HINCRBY', h, 'r', amount)
  redis.call('ZADD', z, expires, member)
  redis.call('EXPIRE', h, ttl)
  redis.call('EXPIRE', z, ttl)
  redis.call('ZADD', KEYS[1], 'GT', N(now) + N(ttl), name)
end
return out
"""
)

SETTLE = (
    _LIB
    + r"""
-- KEYS: index, then (hash, leases) per window
-- ARGV: now, actual, member, amount, then (ttl, name) per window. A release settles 0.
local now, actual, member, amount = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
for i = 1, (#KEYS - 1) / 2 do
  local h, z = KEYS[2 * i], KEYS[2 * i + 1]
  local ttl, name = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  clean(h, z, now)
  if redis.call('ZREM', z, member) == 1 then redis.call('HINCRBY', h, 'r', '-' .. amount) end
  redis.call('HINCRBY', h, 's', actual)
  redis.call('EXPIRE', h, ttl)
  redis.call('ZADD', KEYS[1], 'GT', N(now) + N(ttl), name)
end
return 1
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
-- Compared as digit strings (both canonical integers), exact at any size.
local s, spent = get(KEYS[2]), ARGV[2]
if #s < #spent or (#s == #spent and s < spent) then redis.call('HSET', KEYS[2], 's', spent) end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], 'GT', N(ARGV[1]) + N(ARGV[3]), ARGV[4])
return 1
"""
)
