"""The Lua scripts of the Redis breakers (one hash per deployment; see ``_redis.py``).

Hash fields: ``st`` state (``c`` closed or absent, ``o`` open, ``h`` half-open), ``cf``
consecutive failures, ``oa`` opened at, ``ra`` retry at (end of cooldown), ``pu`` probe lease
end, and the failure-rate buckets ``b:s:<n>`` (successes) and ``b:f:<n>`` (failures) of bucket
number ``n = floor(now / (window_s / BUCKETS))``. Time is always an argument.
"""

from __future__ import annotations

__all__ = ["ALLOW_LUA", "RECORD_LUA"]

# KEYS[1] hash; ARGV now, probe_timeout_s. Returns 1 closed, 2 probe granted, 0 refused.
ALLOW_LUA = """
local k = KEYS[1]
local h = redis.call('HMGET', k, 'st', 'ra', 'pu')
local st = h[1]
if not st or st == 'c' then return 1 end
local now = tonumber(ARGV[1])
if st == 'o' then
  if now < (tonumber(h[2]) or 0) then return 0 end
elseif now < (tonumber(h[3]) or 0) then
  return 0
end
redis.call('HSET', k, 'st', 'h', 'pu', string.format('%.17g', now + tonumber(ARGV[2])))
return 2
"""

# KEYS[1] hash; ARGV ok (1/0), now, consecutive limit (0 = off), failure rate (0 = off),
# min_calls, bucket width, buckets, cooldown_s, ttl_ms. Returns the state after the record.
RECORD_LUA = """
local k = KEYS[1]
local ok = ARGV[1] == '1'
local now = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local min_calls = tonumber(ARGV[5])
local width = tonumber(ARGV[6])
local nb = tonumber(ARGV[7])
local cooldown = tonumber(ARGV[8])
local ttl = tonumber(ARGV[9])
local function f(x) return string.format('%.17g', x) end
local function open_it()
  redis.call('HSET', k, 'st', 'o', 'oa', f(now), 'ra', f(now + cooldown))
  redis.call('PEXPIRE', k, ttl)
  return 'open'
end
local st = redis.call('HGET', k, 'st') or 'c'
if st == 'o' then return 'open' end
if st == 'h' then
  if ok then
    redis.call('DEL', k)
    return 'closed'
  end
  redis.call('HINCRBY', k, 'cf', 1)
  return open_it()
end
local bid = math.floor(now / width)
local function count()
  local all = redis.call('HGETALL', k)
  local calls, fails = 0, 0
  for i = 1, #all, 2 do
    local name = all[i]
    if string.sub(name, 1, 2) == 'b:' then
      local id = tonumber(string.sub(name, 5))
      if id <= bid - nb then
        redis.call('HDEL', k, name)
      elseif id <= bid then
        local c = tonumber(all[i + 1])
        calls = calls + c
        if string.sub(name, 3, 3) == 'f' then fails = fails + c end
      end
    end
  end
  return calls, fails
end
local sfield = 'b:s:' .. string.format('%d', bid)
local ffield = 'b:f:' .. string.format('%d', bid)
if ok then
  redis.call('HSET', k, 'cf', 0)
  if rate > 0 and redis.call('HINCRBY', k, sfield, 1) == 1 then count() end
  redis.call('PEXPIRE', k, ttl)
  return 'closed'
end
local cf = redis.call('HINCRBY', k, 'cf', 1)
local opened = limit > 0 and cf >= limit
if rate > 0 then
  redis.call('HINCRBY', k, ffield, 1)
  if not opened then
    local calls, fails = count()
    opened = calls >= min_calls and fails / calls >= rate
  end
end
if opened then return open_it() end
redis.call('PEXPIRE', k, ttl)
return 'closed'
"""
