-- change_role: KEYS[3] members; ARGV[5] actor, ARGV[6] actor's role,
-- ARGV[7] target, ARGV[8] new role. Answers {'OK', <member value>}.
local members_key = KEYS[3]
local actor, actor_role, target, role = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
local value = redis.call('HGET', members_key, target)
if not value then
  return {'NOT_FOUND', 'member'}
end
local from, joined = split_member(value)
if from == 'Owner' and role ~= 'Owner' and count_owners(members_key) <= 1 then
  return {'LAST_OWNER'}
end
local refused = check_actor(members_key, actor, actor_role)
if refused then
  return {refused}
end
if from == role then
  return {'OK', value}
end
value = role .. '|' .. joined
redis.call('HSET', members_key, target, value)
emit(actor, target, cjson.encode({from = from, to = role}))
return {'OK', value}
