-- remove_member: KEYS[3] members; ARGV[5] actor, ARGV[6] actor's role,
-- ARGV[7] target.
local members_key = KEYS[3]
local actor, actor_role, target = ARGV[5], ARGV[6], ARGV[7]
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
if target == actor then
  return {'SELF_REMOVAL'}
end
local role = split_member(redis.call('HGET', members_key, target))
if not role then
  return {'NOT_FOUND', 'member'}
end
-- Before the actor re-check: of two Owners removing each other at once,
-- the one served second is told why its change cannot be (LastOwner).
if role == 'Owner' and count_owners(members_key) <= 1 then
  return {'LAST_OWNER'}
end
local refused = check_actor(members_key, actor, actor_role)
if refused then
  return {refused}
end
redis.call('HDEL', members_key, target)
emit(actor, target, cjson.encode({role = role}))
return {'OK'}
