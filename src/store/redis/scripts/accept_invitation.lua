-- accept_invitation: KEYS[3] members, KEYS[4] the token pointer; ARGV[5]
-- user, ARGV[6] token hash, ARGV[7] invitation prefix, ARGV[8] email prefix.
-- Answers {'OK', role}.
local members_key, token_key = KEYS[3], KEYS[4]
local user, token_hash, invitation_prefix, email_prefix = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local id = redis.call('GET', token_key)
if not id then
  return {'NOT_FOUND', 'invitation'}
end
local invitation_key = invitation_prefix .. id
local state, expires_at, current_hash, role, email =
  unpack(redis.call('HMGET', invitation_key, 'state', 'expires_at', 'token_hash', 'role', 'email'))
if not state or state == 'Revoked' or current_hash ~= token_hash then
  return {'NOT_FOUND', 'invitation'}
end
if state == 'Accepted' then
  return {'INVITATION_USED'}
end
if NOW >= expires_at then
  return {'INVITATION_EXPIRED'}
end
if redis.call('HEXISTS', members_key, user) == 1 then
  return {'ALREADY_MEMBER'}
end
redis.call('HSET', members_key, user, role .. '|' .. NOW)
-- The token pointer stays: presenting the token again answers InvitationUsed.
redis.call('HSET', invitation_key, 'state', 'Accepted', 'accepted_by', user)
drop_email_pointer(email_prefix, email, id)
emit(user, user, cjson.encode({invitation_id = id, email = email, role = role}))
return {'OK', role}
