-- ratelimit.lua: a named sliding-window limit, prepended to the scripts that
-- count against one (same rules as crate::ratelimit, which the memory store
-- uses). The zset holds one member "<ms>:<unique>" per admitted hit, scored
-- by its ms. A hit at t counts at now while t > now - window. Exact under
-- concurrency because the whole script is atomic; the hit is added only
-- after every other check passed (a refused request uses nothing up).

-- nil when one more hit fits, else retry_after in ms (at least 1): the time
-- until enough hits leave the window for one more to fit.
local function rate_limit_full(key, limit, window_ms)
  limit, window_ms = tonumber(limit), tonumber(window_ms)
  local now = tonumber(NOW_MS)
  if limit <= 0 then
    return string.format('%d', math.max(window_ms, 1))
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now - window_ms))
  local n = redis.call('ZCARD', key)
  if n < limit then
    return nil
  end
  local freeing = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')[2]
  return string.format('%d', math.max(tonumber(freeing) + window_ms - now, 1))
end

local function rate_limit_hit(key, unique)
  redis.call('ZADD', key, NOW_MS, NOW_MS .. ':' .. unique)
end

