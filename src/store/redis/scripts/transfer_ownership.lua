-- transfer_ownership: KEYS[3] members; ARGV[5] actor, ARGV[6] actor's role,
-- ARGV[7] new owner, ARGV[8] '1' to demote the actor, ARGV[9] details JSON.
-- Answers {'OK', user, value, user, value, ...}: every member afterwards.
-- `to` becomes an Owner; with demote_self an actor who is an Owner becomes
-- a Member (an actor of another role is never promoted by it). A transfer
-- to oneself changes nothing. Nothing changed, no event.
local members_key = KEYS[3]
local actor, actor_role, to, demote_self = ARGV[5], ARGV[6], ARGV[7], ARGV[8] == '1'
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
local to_role = split_member(redis.call('HGET', members_key, to))
if not to_role then
  return {'NOT_FOUND', 'member'}
end
local changes = {}
if to ~= actor then
  changes[to] = 'Owner'
  if demote_self and split_member(redis.call('HGET', members_key, actor)) == 'Owner' then
    changes[actor] = 'Member'
  end
end
local owners, changed = count_owners(members_key), false
for user, role in pairs(changes) do
  local before = split_member(redis.call('HGET', members_key, user))
  if before ~= role then
    changed = true
    if before == 'Owner' then
      owners = owners - 1
    elseif role == 'Owner' then
      owners = owners + 1
    end
  end
end
if owners < 1 then
  return {'LAST_OWNER'}
end
local refused = check_actor(members_key, actor, actor_role)
if refused then
  return {refused}
end
if changed then
  for user, role in pairs(changes) do
    local _, joined = split_member(redis.call('HGET', members_key, user))
    redis.call('HSET', members_key, user, role .. '|' .. joined)
  end
  emit(actor, to, ARGV[9])
end
local reply = redis.call('HGETALL', members_key)
table.insert(reply, 1, 'OK')
return reply
