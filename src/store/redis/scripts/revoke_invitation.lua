-- revoke_invitation: KEYS[3] members, KEYS[4] the invitation; ARGV[5] actor,
-- ARGV[6] actor's role, ARGV[7] id, ARGV[8] email prefix, ARGV[9] token prefix.
local members_key, invitation_key = KEYS[3], KEYS[4]
local actor, actor_role, id, email_prefix, token_prefix = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
local refused = check_actor(members_key, actor, actor_role)
if refused then
  return {refused}
end
local state, email, token_hash = unpack(redis.call('HMGET', invitation_key, 'state', 'email', 'token_hash'))
if not state then
  return {'NOT_FOUND', 'invitation'}
end
if state == 'Accepted' then
  return {'INVITATION_USED'}
end
if state == 'Revoked' then
  return {'OK'}
end
redis.call('HSET', invitation_key, 'state', 'Revoked')
-- A revoked token is unknown from now on (accept answers NotFound).
redis.call('DEL', token_prefix .. token_hash)
drop_email_pointer(email_prefix, email, id)
emit(actor, email, cjson.encode({invitation_id = id}))
return {'OK'}
