-- resend_invitation: KEYS[3] members, KEYS[4] the invitation, KEYS[5] the
-- rate limit; ARGV[5] actor, ARGV[6] actor's role, ARGV[7] id, ARGV[8] new
-- token hash, ARGV[9] new expires_at, ARGV[10] limit, ARGV[11] window (ms),
-- ARGV[12] invitation prefix, ARGV[13] email prefix, ARGV[14] token prefix.
-- Answers {'OK', field, value, ...}: the invitation afterwards.
local members_key, invitation_key, limit_key = KEYS[3], KEYS[4], KEYS[5]
local actor, actor_role, id, token_hash, expires_at = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local limit, window_ms = ARGV[10], ARGV[11]
local invitation_prefix, email_prefix, token_prefix = ARGV[12], ARGV[13], ARGV[14]
if not account_exists(members_key) then
  return {'NOT_MEMBER'}
end
local refused = check_actor(members_key, actor, actor_role)
if refused then
  return {refused}
end
local state, email, old_hash = unpack(redis.call('HMGET', invitation_key, 'state', 'email', 'token_hash'))
if not state then
  return {'NOT_FOUND', 'invitation'}
end
-- Pending covers Expired: the status is computed from expires_at.
if state ~= 'Pending' then
  return {'INVITATION_NOT_RESENDABLE'}
end
refused = check_no_other_pending(email_prefix, invitation_prefix, email, id)
if refused then
  return {refused}
end
if redis.call('EXISTS', token_prefix .. token_hash) > 0 then
  return {'ID_TAKEN'}
end
local retry_after = rate_limit_full(limit_key, limit, window_ms)
if retry_after then
  return {'RATE_LIMITED', retry_after}
end
redis.call('DEL', token_prefix .. old_hash)
redis.call('SET', token_prefix .. token_hash, id)
redis.call('HSET', invitation_key, 'token_hash', token_hash, 'expires_at', expires_at, 'invited_by', actor)
redis.call('SET', email_prefix .. email, id)
rate_limit_hit(limit_key, token_hash)
emit(actor, email, cjson.encode({invitation_id = id}))
local reply = redis.call('HGETALL', invitation_key)
table.insert(reply, 1, 'OK')
return reply
