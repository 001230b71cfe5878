-- prelude.lua: prepended (by scripts.rs) to every script that changes an
-- account. Calling convention of those scripts:
--   KEYS[1] the account's activity stream, KEYS[2] the stream of ACTION;
--   ARGV[1] now (20-digit ns), ARGV[2] now (ms), ARGV[3] the oldest ms the
--   retention keeps, ARGV[4] the action this script records.
-- Script-specific keys start at KEYS[3], arguments at ARGV[5].
-- A script answers {'OK', ...} or {<status code>, ...}; scripts.rs maps the
-- codes to StoreError. Every check runs before the first write, so a refused
-- change writes nothing. The checks run in the memory store's order (so both
-- answer the same when several apply): account, self-removal, target, last
-- Owner, actor (member changes); account, actor, target, state, pending
-- email, rate limit (invitations).
local NOW = ARGV[1]
local NOW_MS = ARGV[2]
local MIN_MS = ARGV[3]
local ACTION = ARGV[4]

-- A members-hash value "<Role>|<joined ns>" -> role, joined.
local function split_member(value)
  if not value then
    return nil, nil
  end
  return string.match(value, '^([^|]*)|(.*)$')
end

-- Whether the account exists: it always has at least one member (an Owner).
local function account_exists(members_key)
  return redis.call('EXISTS', members_key) == 1
end

-- nil when `user` is a member holding `role`, else the refusal code.
local function check_actor(members_key, user, role)
  local current = split_member(redis.call('HGET', members_key, user))
  if not current then
    return 'NOT_MEMBER'
  end
  if current ~= role then
    return 'ACTOR_ROLE_CHANGED'
  end
  return nil
end

local function count_owners(members_key)
  local n = 0
  for _, value in ipairs(redis.call('HVALS', members_key)) do
    if split_member(value) == 'Owner' then
      n = n + 1
    end
  end
  return n
end

-- Appends one event to the account's stream and to its action's stream under
-- the same id. The id's ms is max(now, newest id's ms) so ids only grow even
-- when callers' clocks disagree (the time is never Redis' own); Redis picks
-- the sequence within the ms. MINID ~ ... LIMIT bounds the purge work of
-- each write; reads apply the exact retention bound.
local function emit(actor, target, details)
  local ms = NOW_MS
  local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
  if newest then
    local newest_ms = string.match(newest[1], '^(%d+)-')
    if tonumber(newest_ms) > tonumber(ms) then
      ms = newest_ms
    end
  end
  local fields = {'action', ACTION, 'actor', actor, 'target', target, 'details', details}
  local id = redis.pcall('XADD', KEYS[1], 'MINID', '~', MIN_MS, 'LIMIT', 100, ms .. '-*', unpack(fields))
  if type(id) == 'table' and id.err then
    -- Every entry was trimmed and the last id handed out is newer than now:
    -- continue from that id.
    local info = redis.call('XINFO', 'STREAM', KEYS[1])
    local last
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then
        last = info[i + 1]
      end
    end
    ms = string.match(last, '^(%d+)-')
    id = redis.call('XADD', KEYS[1], 'MINID', '~', MIN_MS, 'LIMIT', 100, ms .. '-*', unpack(fields))
  end
  redis.call('XADD', KEYS[2], 'MINID', '~', MIN_MS, 'LIMIT', 100, id, unpack(fields))
  return id
end

